package redact

import (
	"strings"
	"testing"
)

const (
	jwt    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTc5NjExOTY3MX0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	jwtSp  = "eyAiYWxnIjogIkhTMjU2In0.eyAic3ViIjogImFsaWNlIn0.c2ln" // {"  with a space
	jwtNL  = "ewogImFsZyI6ICJIUzI1NiIKfQ.ewogInN1YiI6ICJ4In0.c2ln"  // {\n
	unsign = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."            // alg none, empty signature
	opaque = "ppm_0123456789abcdefghijklmnopqrstuv"
)

// TestProseSurvives lists sentences the program prints, and other text
// that looks a little like a secret: each must come out unchanged.
func TestProseSurvives(t *testing.T) {
	for _, s := range []string{
		"",
		"Package Manager refused the identity token: check that it is current and issued for this server",
		"POST http://127.0.0.1:4242/__api__/token: 200 OK (3ms)",
		"POST https://ppm.example.com/__api__/device_access: 400 Bad Request (12ms)",
		"refusing to write the git credential attribute password: its value contains a line break or NUL",
		"attribute password: value contains a line break",
		"token for https://ppm.example.com: from the file store, 59m left",
		"the identity token file PACKAGEMANAGER_IDENTITY_TOKEN_FILE=/home/alice/oidc is empty",
		"PACKAGEMANAGER_ADDRESS=https://ppm.example.com is set",
		"keyring get https://__token__@ppm.example.com/pypi/latest/simple/: not a configured Package Manager address",
		"https://packagemanager.posit.co/pypi/latest/simple/",
		"ewaste.example.com eyes.of.the.storm eyJ eyJ.x.y",
		"packagemanager.example1.com.au and registry.npmjs.org",
		"go1.26.0 v1.2.3-rc.1 tokens.toml.lock .tokens.toml.1234.tmp",
		"the password is wrong; the token expired; the secret is out",
		"token=",
		"password= (empty)",
		"use Basic authentication or a Bearer token",
		"waiting for the login in progress, pid 4242",
		"open https://ppm.example.com/__login__/device?user_code=ABCD-EFGH in a browser and enter ABCD-EFGH",
		`{"error":"invalid_grant","error_description":"the token has expired"}`,
		"git@github.com:posit-dev/repo.git",
		"C:\\Users\\alice\\.ppm\\tokens.toml",
	} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q)\n  = %q; want it unchanged", s, got)
		}
	}
}

// TestSecretsGo lists text holding a secret: the secret must not come
// out, and the words around it must.
func TestSecretsGo(t *testing.T) {
	tests := []struct {
		in, want, secret string
	}{
		{jwt, Marker, jwt},
		{"token " + jwt + " here", "token " + Marker + " here", jwt},
		{"(" + jwtSp + ")", "(" + Marker + ")", jwtSp},
		{"x=" + jwtNL + ";", "x=" + Marker + ";", jwtNL},
		{"got " + unsign + " back", "got " + Marker + " back", unsign},
		{"a.b." + jwt, "a.b." + Marker, jwt},
		{"password=" + opaque, "password=" + Marker, opaque},
		{"grant_type=x&subject_token=" + opaque + "&subject_token_type=y", "grant_type=x&subject_token=" + Marker + "&subject_token_type=y", opaque},
		{"code_verifier=" + opaque + " device_code=" + opaque, "code_verifier=" + Marker + " device_code=" + Marker, opaque},
		{"PACKAGEMANAGER_TOKEN=" + opaque, "PACKAGEMANAGER_TOKEN=" + Marker, opaque},
		{"client_secret=" + opaque + ",", "client_secret=" + Marker + ",", opaque},
		{`{"access_token": "` + opaque + `", "token_type": "Bearer"}`, `{"access_token": "` + Marker + `", "token_type": "Bearer"}`, opaque},
		{`{"id_token":"` + opaque + `"}`, `{"id_token":"` + Marker + `"}`, opaque},
		{`{"password":"a\"` + opaque + `"}`, `{"password":"` + Marker + `"}`, opaque},
		{"keyring get https://__token__:" + opaque + "@ppm.example.com/simple/: not configured", "keyring get https://__token__:" + Marker + "@ppm.example.com/simple/: not configured", opaque},
		{"http://u:" + opaque + "@127.0.0.1:4242", "http://u:" + Marker + "@127.0.0.1:4242", opaque},
		{"https://a:b@c@ppm.example.com/", "https://a:" + Marker + "@ppm.example.com/", "b@c"},
		{"Authorization: Bearer " + opaque, "Authorization: Bearer " + Marker, opaque},
		{"authorization: basic X190b2tlbl9fOnNlY3JldHNlY3JldA==", "authorization: basic " + Marker, "X190b2tlbl9fOnNlY3JldHNlY3JldA"},
	}
	for _, tt := range tests {
		got := Text(tt.in)
		if got != tt.want {
			t.Errorf("Text(%q)\n  = %q\n want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, tt.secret) {
			t.Errorf("Text(%q) kept the secret", tt.in)
		}
		if again := Text(got); again != got {
			t.Errorf("Text is not idempotent on %q: %q", got, again)
		}
	}
}

func TestKnown(t *testing.T) {
	tests := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"plain", nil, "plain"},
		{"has SECRET inside", []string{"SECRET"}, "has " + Marker + " inside"},
		{"SSECRETECRET", []string{"SECRET"}, "S" + Marker + "ECRET"},
		{"marker d", []string{"d"}, Marker},
		{"opaque " + opaque + " and " + jwt, []string{opaque}, "opaque " + Marker + " and " + Marker},
		{"empty secret", []string{""}, "empty secret"},
	}
	for _, tt := range tests {
		if got := Known(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("Known(%q, %q) = %q; want %q", tt.in, tt.secrets, got, tt.want)
		}
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{jwt, "password=" + opaque, "https://u:p@h/", "Bearer " + opaque, `{"token": "x"}`, "eyJ.a.b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		if Text(out) != out {
			t.Fatalf("not idempotent: %q → %q → %q", s, out, Text(out))
		}
		if strings.Contains(out, jwt) {
			t.Fatalf("a JWT survived in %q", out)
		}
		// Text a secret is added to never comes out with it.
		in := s + " " + jwt + " "
		if strings.Contains(Text(in), jwt) {
			t.Fatalf("the JWT survived beside %q", s)
		}
	})
}
