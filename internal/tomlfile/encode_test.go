package tomlfile

import (
	"strings"
	"testing"
	"time"
)

func TestEncodeLayout(t *testing.T) {
	doc := map[string]any{
		"version":  int64(3),
		"settings": map[string]any{"color": true, "nested": map[string]any{"x": 1.0}},
		"connections": []map[string]any{
			{"address": "https://ppm.example.com", "token": "eyJ.a.b", "auth_type": "sso", "expires_at": int64(1767225600)},
			{"address": "https://b.example.com", "token": "t\"\\\x01", "meta": map[string]any{"by": "rspm"}},
		},
		"odd key": []any{LocalDate{2026, 1, 2}, LocalTime{7, 32, 0, 500000000}, time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", -5*3600)), map[string]any{"k": []any{}}},
	}
	got, err := Encode(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := `"odd key" = [2026-01-02, 07:32:00.5, 2026-01-02T03:04:05-05:00, {k = []}]
version = 3

[[connections]]
address = "https://ppm.example.com"
auth_type = "sso"
expires_at = 1767225600
token = "eyJ.a.b"

[[connections]]
address = "https://b.example.com"
token = "t\"\\\u0001"
[connections.meta]
by = "rspm"

[settings]
color = true
[settings.nested]
x = 1.0
`
	if string(got) != want {
		t.Fatalf("Encode =\n%s\nwant\n%s", got, want)
	}
	checkRoundTrip(t, doc, got)
}

func TestEncodeRefusesOtherTypes(t *testing.T) {
	_, err := Encode(map[string]any{"c": make(chan int)})
	if err == nil || !strings.Contains(err.Error(), "chan int") {
		t.Fatalf("Encode of a channel = %v; want an error naming the type", err)
	}
}
