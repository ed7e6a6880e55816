package protocol

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseKeyringArgs(t *testing.T) {
	type want struct {
		op, service, user, mode, output string
		hasUser, list                   bool
	}
	cases := []struct {
		args []string
		want want
	}{
		// pip 23.1–26.1, pdm, uv with a user: keyring get <service> <user>
		{[]string{"get", "https://ppm.example.com/simple/", "__token__"}, want{"get", "https://ppm.example.com/simple/", "__token__", "password", "plain", true, false}},
		// pip ≥ 26.2: options before the operation
		{[]string{"--mode=creds", "--output=json", "get", "https://ppm.example.com/simple/"}, want{"get", "https://ppm.example.com/simple/", "", "creds", "json", false, false}},
		{[]string{"--mode=creds", "--output=json", "get", "ppm.example.com", "__token__"}, want{"get", "ppm.example.com", "__token__", "creds", "json", true, false}},
		// uv, authenticate = "always": option after the positionals
		{[]string{"get", "https://ppm.example.com/simple/", "--mode", "creds"}, want{"get", "https://ppm.example.com/simple/", "", "creds", "plain", false, false}},
		{[]string{"get", "ppm.example.com:8443", "__token__"}, want{"get", "ppm.example.com:8443", "__token__", "password", "plain", true, false}},
		{[]string{"-b", "keyring.backends.fail.Keyring", "get", "s", "u"}, want{"get", "s", "u", "password", "plain", true, false}},
		{[]string{"-bkeyring.backends.fail.Keyring", "get", "s", "u"}, want{"get", "s", "u", "password", "plain", true, false}},
		{[]string{"--keyring-backend=x", "get", "s", "u"}, want{"get", "s", "u", "password", "plain", true, false}},
		{[]string{"--mo", "creds", "--out", "json", "get", "s"}, want{"get", "s", "", "creds", "json", false, false}},
		{[]string{"get", "--", "-s", "u"}, want{"get", "-s", "u", "password", "plain", true, false}},
		{[]string{"--list-backends"}, want{"", "", "", "password", "plain", false, true}},
		{[]string{"del", "s", "u"}, want{"del", "s", "u", "password", "plain", true, false}},
		{[]string{"set", "s", "u"}, want{"set", "s", "u", "password", "plain", true, false}},
	}
	for _, c := range cases {
		got, err := ParseKeyringArgs(c.args)
		if err != nil {
			t.Errorf("%q: %v", c.args, err)
			continue
		}
		g := want{got.Op, got.Service, got.Username, got.Mode, got.Output, got.HasUsername, got.ListBackends}
		if g != c.want {
			t.Errorf("%q:\n got %+v\nwant %+v", c.args, g, c.want)
		}
	}
}

func TestParseKeyringArgsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"get"},
		{"get", "s"}, // password mode needs a username
		{"set", "s"},
		{"fetch", "s", "u"},
		{"get", "s", "u", "extra"},
		{"--mode=token", "get", "s", "u"},
		{"--output", "yaml", "get", "s", "u"},
		{"--mode"},
		{"--frobnicate", "get", "s", "u"},
		{"-x", "get", "s", "u"},
		{"--list-backends=yes"},
		{"get", "s", "u", "--mode"},
	} {
		_, err := ParseKeyringArgs(args)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v; want a *UsageError", args, err)
		}
	}
}

func TestWriteKeyringAnswer(t *testing.T) {
	cases := []struct {
		mode, output, want string
	}{
		{"password", "plain", "tok.en-_\n"},
		{"creds", "plain", "__token__\ntok.en-_\n"},
		{"password", "json", "{\"password\": \"tok.en-_\"}\n"},
		{"creds", "json", "{\"username\": \"__token__\", \"password\": \"tok.en-_\"}\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := WriteKeyringAnswer(&b, KeyringCommand{Mode: c.mode, Output: c.output}, "__token__", "tok.en-_"); err != nil || b.String() != c.want {
			t.Errorf("%s/%s: %q, %v; want %q", c.mode, c.output, b.String(), err, c.want)
		}
	}
}

func TestPythonJSONEscaping(t *testing.T) {
	// Expected values are what CPython's json.dumps prints for these strings.
	cases := map[string]string{
		`a"b\c`:    `"a\"b\\c"`,
		"é":        `"\u00e9"`,
		"\x01\x7f": `"\u0001\u007f"`,
		"\n\t":     `"\n\t"`,
		"😀":        `"\ud83d\ude00"`,
		"/":        `"/"`,
	}
	for in, want := range cases {
		if got := pyJSONString(in); got != want {
			t.Errorf("pyJSONString(%q) = %s; want %s", in, got, want)
		}
	}
}

func FuzzParseKeyringArgs(f *testing.F) {
	for _, s := range []string{"get\x00https://ppm.example.com/simple/\x00__token__", "--mode=creds\x00--output=json\x00get\x00s", "get\x00s\x00--mode\x00creds", "--list-backends", "-b\x00x\x00del\x00s\x00u", "--\x00get", "--mo=creds\x00get\x00s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseKeyringArgs(strings.Split(in, "\x00"))
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("non-usage error %v", err)
			}
			return
		}
		if c.Mode != "password" && c.Mode != "creds" || c.Output != "plain" && c.Output != "json" {
			t.Fatalf("invalid mode/output accepted: %+v", c)
		}
		if c.Op == "" && !c.ListBackends && !c.Help && !c.DisableKR {
			t.Fatalf("no operation accepted: %+v", c)
		}
		if c.Op == "get" && c.Mode == "password" && !c.HasUsername {
			t.Fatalf("password-mode get without username accepted: %+v", c)
		}
	})
}
