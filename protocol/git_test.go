package protocol

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReadAttributes(t *testing.T) {
	cases := []struct {
		name, in string
		want     map[string]string
		err      string
	}{
		{"EOF without blank line", "protocol=https\nhost=ppm.example.com", map[string]string{"protocol": "https", "host": "ppm.example.com"}, ""},
		{"blank line ends input", "protocol=https\n\nhost=evil.com\n", map[string]string{"protocol": "https", "host": ""}, ""},
		{"CRLF", "protocol=https\r\nhost=a:8443\r\n", map[string]string{"protocol": "https", "host": "a:8443"}, ""},
		{"split at first =", "password=a=b=c\n", map[string]string{"password": "a=b=c"}, ""},
		{"unknown keys ignored", "wwwauth[]=Basic realm=x\ncapability[]=authtype\nhost=h\n", map[string]string{"host": "h"}, ""},
		{"empty input", "", map[string]string{"host": ""}, ""},
		{"no equals", "protocol=https\ngarbage\n", nil, "line 2 has no '='"},
		{"NUL", "host=a\x00b\n", nil, "NUL"},
		{"empty key", "=value\n", nil, "empty key"},
		{"too long", "host=" + strings.Repeat("x", MaxInput) + "\n", nil, "over 64 KiB"},
	}
	for _, c := range cases {
		a, err := ReadAttributes(strings.NewReader(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrInput) {
				t.Errorf("%s: err = %v; want one containing %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for k, v := range c.want {
			if got := a.Get(k); got != v {
				t.Errorf("%s: %s = %q; want %q", c.name, k, got, v)
			}
		}
	}
}

func TestErrorsNeverQuoteValues(t *testing.T) {
	for _, in := range []string{"password=s3cr3t\nbad line s3cr3t\n", "password=s3cr3t\x00\n", "password=" + strings.Repeat("s3cr3t", 20000)} {
		_, err := ReadAttributes(strings.NewReader(in))
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %v quotes the input", err)
		}
	}
}

func TestArraysKeptInOrder(t *testing.T) {
	a, err := ReadAttributes(strings.NewReader("wwwauth[]=Basic a\nwwwauth[]=Bearer b\nwwwauth[]=\nwwwauth[]=Negotiate\nwwwauth[]=Basic c\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(a.GetAll("wwwauth"), "|")
	if got != "Negotiate|Basic c" {
		t.Errorf("GetAll = %q; want the values after the reset, in order", got)
	}
}

func TestWriteAttributesRefusesWhatGitMisreads(t *testing.T) {
	var b bytes.Buffer
	if err := WriteAttributes(&b, Pair{"username", "__token__"}, Pair{"password", "t.o.k"}); err != nil || b.String() != "username=__token__\npassword=t.o.k\n" {
		t.Fatalf("got %q, %v", b.String(), err)
	}
	for _, p := range []Pair{{"url", "https://x"}, {"", "v"}, {"a=b", "v"}, {"k", "a\nb"}, {"k", "a\x00"}, {"k\n", "v"}, {"k", "a\rb"}} {
		if err := WriteAttributes(&bytes.Buffer{}, p); err == nil {
			t.Errorf("WriteAttributes(%q) succeeded", p)
		}
	}
}

func FuzzReadAttributes(f *testing.F) {
	for _, s := range []string{"protocol=https\nhost=ppm.example.com\n", "a=b\r\n\r\n", "url=https://x/\nhost=y", "wwwauth[]=x\nwwwauth[]=\n", "x\n", "\x00=1", "=", "a=b\n\nc"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := ReadAttributes(bytes.NewReader(in))
		if err != nil {
			return
		}
		var out bytes.Buffer
		var writable []Pair
		for _, p := range a.Pairs() {
			if p.Key == "" || strings.ContainsAny(p.Key, "=\x00") || strings.ContainsRune(p.Value, 0) {
				t.Fatalf("accepted pair %q", p)
			}
			if p.Key != "url" && !strings.ContainsAny(p.Key+p.Value, "\r\n") {
				writable = append(writable, p)
			}
		}
		if err := WriteAttributes(&out, writable...); err != nil {
			t.Fatalf("cannot write back %q: %v", writable, err)
		}
		back, err := ReadAttributes(&out)
		if err != nil || len(back.Pairs()) != len(writable) {
			t.Fatalf("round trip: %v, %d pairs vs %d", err, len(back.Pairs()), len(writable))
		}
	})
}
