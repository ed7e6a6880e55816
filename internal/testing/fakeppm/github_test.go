package fakeppm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func githubGet(t *testing.T, u, bearer string) (int, map[string]any) {
	t.Helper()
	return bearerRequest(t, http.MethodGet, u, bearer)
}

// bearerRequest sends a request with a bearer token, as CI systems' OIDC
// token endpoints take it, and decodes the JSON answer.
func bearerRequest(t *testing.T, method, u, bearer string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: not JSON: %v", u, err)
	}
	return resp.StatusCode, body
}

func TestGitHubStandIn(t *testing.T) {
	s := start(t, Options{})
	if !strings.Contains(s.GitHubRequestURL(), "?api-version=2.0") {
		t.Fatalf("request URL %s has no query of its own, as GitHub's has", s.GitHubRequestURL())
	}
	for _, bad := range []string{"", "wrong", s.GitHubRequestToken() + "x"} {
		if code, _ := githubGet(t, s.GitHubRequestURL()+"&audience=packagemanager", bad); code != http.StatusUnauthorized {
			t.Errorf("request token %q: %d; want 401", bad, code)
		}
	}
	if code, _ := githubGet(t, s.URL()+"/__github__/token?audience=packagemanager", s.GitHubRequestToken()); code != http.StatusBadRequest {
		t.Errorf("no api-version: %d; want 400", code)
	}
	// With the audience PPM expects, the exchange accepts the token.
	code, body := githubGet(t, s.GitHubRequestURL()+"&audience="+url.QueryEscape(ppmAud), s.GitHubRequestToken())
	value, _ := body["value"].(string)
	if code != 200 || value == "" {
		t.Fatalf("GitHub stand-in: %d %v", code, body)
	}
	if c := jwtClaims(t, value); c["aud"] != ppmAud || c["sub"] != GitHubSubject {
		t.Errorf("claims %v; want the asked audience and the repository subject", c)
	}
	if a := exchange(t, s, value); a.status != 200 || a.str("access_token") == "" {
		t.Fatalf("the exchange refused the stand-in's token: %d %v", a.status, a.body)
	}
	// Without one, GitHub's default audience, which this PPM refuses.
	_, body = githubGet(t, s.GitHubRequestURL(), s.GitHubRequestToken())
	value, _ = body["value"].(string)
	if c := jwtClaims(t, value); c["aud"] != GitHubDefaultAudience {
		t.Errorf("default audience %v; want %s", c["aud"], GitHubDefaultAudience)
	}
	if a := exchange(t, s, value); a.status != 400 || a.str("error") != "invalid_grant" {
		t.Fatalf("the exchange accepted a token for another audience: %d %v", a.status, a.body)
	}
	if got := s.GitHubAudiences(); len(got) != 2 || got[0] != ppmAud || got[1] != "" {
		t.Errorf("GitHubAudiences = %q", got)
	}
	if n := len(s.GitHubTokens()); n != 2 || s.Counts().GitHubToken != 6 {
		t.Errorf("issued %d tokens, counted %d requests; want 2 and 6", n, s.Counts().GitHubToken)
	}
}

func TestTLSWithThrowawayCA(t *testing.T) {
	ca, err := NewCA("127.0.0.1", "ppm.test")
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, Options{TLSCert: &ca.Server})
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %s; want https", s.URL())
	}
	// Not trusted by default.
	if _, err := client.Post(s.URL()+"/__api__/token", "application/x-www-form-urlencoded", nil); err == nil {
		t.Fatal("a certificate from a throwaway CA was trusted without the CA")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.PEM) {
		t.Fatal("the CA's PEM does not parse")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "ppm.test"}}}
	resp, err := c.Get(s.URL() + "/__login__/device")
	if err != nil {
		t.Fatalf("with the CA trusted: %v", err)
	}
	resp.Body.Close()
}

func TestAzureStandIn(t *testing.T) {
	s := start(t, Options{IdentityAudience: AzureAudience})
	call := func(u, bearer string) (int, map[string]any) { return bearerRequest(t, http.MethodPost, u, bearer) }
	if code, _ := call(s.AzureOidcRequestURI()+"?api-version=7.1-preview.1", "wrong"); code != http.StatusUnauthorized {
		t.Errorf("wrong access token: %d; want 401", code)
	}
	if code, _ := call(s.AzureOidcRequestURI(), s.AzureAccessToken()); code != http.StatusBadRequest {
		t.Errorf("no api-version: %d; want 400", code)
	}
	code, body := call(s.AzureOidcRequestURI()+"?api-version=7.1-preview.1", s.AzureAccessToken())
	tok, _ := body["oidcToken"].(string)
	if code != 200 || jwtClaims(t, tok)["aud"] != AzureAudience {
		t.Fatalf("Azure stand-in: %d %v", code, body)
	}
	if a := exchange(t, s, tok); a.status != 200 {
		t.Fatalf("a PPM with the Azure audience refused the Azure token: %v", a.body)
	}
	// That PPM refuses tokens for another audience, as PPM does.
	_, gh := githubGet(t, s.GitHubRequestURL()+"&audience=packagemanager", s.GitHubRequestToken())
	if a := exchange(t, s, gh["value"].(string)); a.status != 400 {
		t.Fatalf("a PPM with the Azure audience accepted a token for packagemanager: %v", a.body)
	}
}
