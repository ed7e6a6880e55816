package protocol

import (
	"strings"
	"testing"
)

func TestAddressHostname(t *testing.T) {
	for raw, want := range map[string]string{
		"https://PPM.example.com":          "ppm.example.com",
		"https://ppm.example.com:443/ppm/": "ppm.example.com",
		"https://ppm.example.com:8443":     "ppm.example.com",
		"http://127.0.0.1:4242":            "127.0.0.1",
		"http://[::1]:4242":                "::1",
		"http://[::1]":                     "::1",
	} {
		a, err := ParseAddress(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.Hostname(); got != want {
			t.Errorf("%s: Hostname() = %q; want %q", raw, got, want)
		}
	}
}

func TestFormatNetrc(t *testing.T) {
	got, err := FormatNetrc([]NetrcEntry{
		{"ppm.example.com", "__token__", "eyJ.a-b_c.d"},
		{"127.0.0.1", "__token__", "x~!#$%&'()*+,/:;<=>?@[]^`{|}"},
	})
	want := "machine ppm.example.com login __token__ password eyJ.a-b_c.d\n" +
		"machine 127.0.0.1 login __token__ password x~!#$%&'()*+,/:;<=>?@[]^`{|}\n"
	if err != nil || string(got) != want {
		t.Fatalf("FormatNetrc = %q, %v; want %q", got, err, want)
	}
	if got, err := FormatNetrc(nil); err != nil || len(got) != 0 {
		t.Errorf("no entries: %q, %v; want an empty file", got, err)
	}
	for _, bad := range []string{"", "sec ret", "sec\tret", "sec\nmachine evil", `sec"ret`, `sec\ret`, "secrét", "secret\x7f"} {
		_, err := FormatNetrc([]NetrcEntry{{"ppm.example.com", "__token__", bad}})
		if err == nil {
			t.Errorf("password %q: no error", bad)
			continue
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Errorf("the error quotes the password: %v", err)
		}
		if !strings.Contains(err.Error(), "password for \"ppm.example.com\"") {
			t.Errorf("the error does not name the field and machine: %v", err)
		}
	}
}
