package oauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Seeds shared by the answer fuzz targets (also committed under
// testdata/fuzz/<target>/).
var answerSeeds = []struct {
	status int
	ctype  string
	body   string
}{
	{200, "application/json", `{"device_code":"dc","user_code":"ABCD-EFGH","verification_uri":"https://ppm.example.com/d","verification_uri_complete":"https://ppm.example.com/d?c=ABCD-EFGH","expires_in":300,"interval":5}`},
	{200, "application/json", `{"device_code":"dc","user_code":"U","verification_uri":"https://x/","interval":"2.5","expires_in":1e300}`},
	{200, "application/json", `{"id_token":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"}`},
	{200, "application/json", `{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoxODAwMDAzNjAwfQ.c2ln","token_type":"Bearer","expires_in":3600}`},
	{200, "", `{"access_token":"opaque","expires_in":"60"}`},
	{400, "application/json", `{"error":"authorization_pending"}`},
	{400, "application/json", `{"error":"slow_down","error_description":"` + secretDevice + `"}`},
	{400, "application/json", `{"error":"invalid_grant","error_description":"bad token ` + secretID + "\u001b[0m\"}"},
	{200, "application/json", `{"error":"access_denied"}`},
	{200, "text/html", `<html>login</html>`},
	{502, "text/html", `<html>bad gateway</html>`},
	{500, "text/plain", `boom`},
	{200, "application/json", `{"access_token":"abc`},
	{200, "application/json", `[]`},
	{200, "application/json", ``},
	{204, "", ``},
	{200, "application/json", `{"access_token":"a\nb","id_token":"a b","device_code":"\u0000"}`},
	{200, "application/json", `{"user_code":"\u001b]0;x\u0007","device_code":"d","verification_uri":"javascript:alert(1)"}`},
}

// answerSecrets are what a request carried; no error may show them.
var answerSecrets = []string{secretID, secretDevice, secretVerifier}

func addAnswerSeeds(f *testing.F) {
	for _, s := range answerSeeds {
		f.Add(s.status, s.ctype, []byte(s.body))
	}
}

// checkAnswerErr: the invariants every parser's error keeps.
func checkAnswerErr(t *testing.T, err error, endpoint string, secrets []string) {
	t.Helper()
	msg := err.Error()
	if !strings.Contains(msg, endpoint) || strings.ContainsAny(msg, "\n\r\x00\x1b") || len(msg) > 2000 {
		t.Fatalf("error is not one line naming %s: %q", endpoint, msg)
	}
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Fatalf("error carries a secret: %q", msg)
		}
	}
}

func FuzzDeviceAnswer(f *testing.F) {
	addAnswerSeeds(f)
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		// x/oauth2 decodes a 2xx answer (status and type are its business);
		// deviceAuthFrom checks what it decoded.
		r, left, err := decodeDevice(body)
		if err != nil {
			return
		}
		da, err := deviceAuthFrom(r, t0, left)
		if err != nil {
			checkAnswerErr(t, err, PathDevice, nil) // the request carried no secret
			return
		}
		if !isToken(da.DeviceCode) || !isUserCode(da.UserCode) || !isWebURI(da.VerificationURI) ||
			(da.VerificationURIComplete != "" && !isWebURI(da.VerificationURIComplete)) {
			t.Fatalf("accepted an unsafe answer (status %d): %+v", status, da)
		}
		if da.Interval < time.Second || da.Interval > maxInterval || !da.ExpiresAt.After(t0) || da.ExpiresAt.After(t0.Add(maxExpiresIn)) {
			t.Fatalf("interval %s, expires in %s out of range", da.Interval, da.ExpiresAt.Sub(t0))
		}
	})
}

func FuzzDeviceAccessAnswer(f *testing.F) {
	addAnswerSeeds(f)
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		id, err := parseDeviceAccessAnswer(answer{endpoint: PathDeviceAccess, status: status, contentType: ctype, body: body}, answerSecrets)
		if err != nil {
			checkAnswerErr(t, err, PathDeviceAccess, answerSecrets)
			var se *ServerError
			if errors.As(err, &se) && (strings.ContainsAny(se.Code+se.Description, "\n\r\x1b") || len([]rune(se.Code)) > 65) {
				t.Fatalf("server text kept raw: %q %q", se.Code, se.Description)
			}
			return
		}
		if status != 200 || !isToken(id) {
			t.Fatalf("accepted id_token %q under status %d", id, status)
		}
	})
}

func FuzzTokenAnswer(f *testing.F) {
	addAnswerSeeds(f)
	f.Fuzz(func(t *testing.T, status int, ctype string, body []byte) {
		tok, err := parseTokenAnswer(answer{endpoint: PathToken, status: status, contentType: ctype, body: body}, t0, answerSecrets)
		if err != nil {
			checkAnswerErr(t, err, PathToken, answerSecrets)
			return
		}
		if status != 200 || !isToken(tok.AccessToken) {
			t.Fatalf("accepted access_token %q under status %d", tok.AccessToken, status)
		}
		if !tok.Expiry.IsZero() && tok.Expiry.Before(time.Unix(0, 0)) {
			t.Fatalf("expiry %v before 1970", tok.Expiry)
		}
		if len(tok.AccessToken) >= 8 && strings.Contains(tok.String(), tok.AccessToken) {
			t.Fatalf("String() shows the token")
		}
	})
}

func TestCleanText(t *testing.T) {
	cases := []struct {
		in, want string
		secrets  []string
	}{
		{"plain", "plain", nil},
		{"a\nb\x1b[31m\u202ec", "a b [31m c", nil},
		{"has SECRET inside", "has [redacted] inside", []string{"SECRET"}},
		{"SSECRETECRET", "S[redacted]ECRET", []string{"SECRET"}},
		{"marker d", "[redacted]", []string{"d"}},
		{"bad \xff utf8", "bad ? utf8", nil},
		{"token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl here", "token [redacted] here", nil},
		{strings.Repeat("é", 300), strings.Repeat("é", 200) + "…", nil},
	}
	for _, c := range cases {
		if got := cleanText(c.in, c.secrets, 200); got != c.want {
			t.Errorf("cleanText(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}
