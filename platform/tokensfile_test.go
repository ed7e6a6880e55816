package platform

import (
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/filetest"
)

// TestTokensFileNestingBound: a document whose tables nest deeper than
// maxTableDepth (here a key of 16,384 dotted parts, which go-toml parses in
// a few milliseconds but would write back as 268 MB of headers, each
// repeating the whole path) is refused by Get and by the writes, with one
// line naming the file; one at the bound is read and written.
func TestTokensFileNestingBound(t *testing.T) {
	entry := "[[connections]]\naddress = \"https://ppm.example.com\"\ntoken = \"" + tokA + "\"\n"
	deep := strings.Repeat("a.", 16383) + "a = 1\n" + entry
	s := newTestFileStore(t, deep)
	_, err := s.Get("https://ppm.example.com")
	checkFileError(t, "Get", err, s.path, "nests tables more than 100 deep")
	for op, f := range map[string]func() error{
		"Set":    func() error { return s.Set("https://ppm.example.com", tokN) },
		"Delete": func() error { return s.Delete("https://ppm.example.com") },
	} {
		checkFileError(t, op, f(), s.path, "nests tables more than 100 deep")
		if got := filetest.ReadFile(t, s.path); got != deep {
			t.Fatalf("%s changed a file it refused", op)
		}
	}

	atBound := strings.Repeat("a.", maxTableDepth-1) + "a = 1\n" + entry
	s = newTestFileStore(t, atBound)
	if got, err := s.Get("https://ppm.example.com"); err != nil || got != tokA {
		t.Fatalf("Get with tables %d deep = (%q, %v); want the token", maxTableDepth, got, err)
	}
	if err := s.Set("https://ppm.example.com", tokN); err != nil {
		t.Fatalf("Set with tables %d deep: %v", maxTableDepth, err)
	}
	if got, err := s.Get("https://ppm.example.com"); err != nil || got != tokN {
		t.Fatalf("Get after Set = (%q, %v); want the new token", got, err)
	}
}
