package fakeppm

import (
	"slices"
	"testing"
)

func TestSecretsRecordsWhatWasIssued(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	id := s.IssueIdentityToken("ci")
	tok, _ := s.issuePPMToken("ci")
	got := s.Secrets()
	if !slices.Contains(got, id) || !slices.Contains(got, tok) || len(got) != 2 {
		t.Fatalf("Secrets() = %d items; want the identity token and the PPM token", len(got))
	}
	s.remember("")
	if len(s.Secrets()) != 2 {
		t.Errorf("an empty secret was recorded")
	}
}
