package fakeppm

import (
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"time"
)

// GitHubDefaultAudience is the audience the GitHub Actions stand-in puts in
// a token when none is asked for (GitHub's is https://github.com/<owner>).
// The exchange refuses it: only tokens for "packagemanager" are accepted, as
// a PPM whose IdentityFederation Audience is "packagemanager" would.
const GitHubDefaultAudience = "https://github.com/fakeppm"

// GitHubSubject is the sub claim of the stand-in's tokens.
const GitHubSubject = "repo:fakeppm/demo:ref:refs/heads/main"

// githubLifetime is how long the stand-in's OIDC tokens live (GitHub's live
// minutes).
const githubLifetime = 5 * time.Minute

// GitHubRequestURL is the stand-in for ACTIONS_ID_TOKEN_REQUEST_URL: as on
// GitHub it already has a query (api-version=2.0), so clients append
// &audience=….
func (s *Server) GitHubRequestURL() string { return s.URL() + "/__github__/token?api-version=2.0" }

// GitHubRequestToken is the stand-in for ACTIONS_ID_TOKEN_REQUEST_TOKEN: the
// bearer token the request URL requires. Once handed out it is among
// Secrets.
func (s *Server) GitHubRequestToken() string { return s.remember(s.ghToken) }

// ghIssue is one token the GitHub stand-in issued.
type ghIssue struct{ audience, token string }

// GitHubAudiences returns the audience parameter of each request the
// stand-in answered with a token, in order ("" when none was sent).
func (s *Server) GitHubAudiences() []string {
	return s.githubIssued(func(i ghIssue) string { return i.audience })
}

// GitHubTokens returns the OIDC tokens the stand-in issued, in order (for
// leak checks: they are secrets).
func (s *Server) GitHubTokens() []string {
	return s.githubIssued(func(i ghIssue) string { return i.token })
}

func (s *Server) githubIssued(field func(ghIssue) string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, i := range s.ghIssue {
		out = append(out, field(i))
	}
	return out
}

// handleGitHubToken plays GitHub Actions' OIDC token request URL:
// GET /__github__/token?api-version=2.0[&audience=A] with
// `Authorization: Bearer <GitHubRequestToken()>` answers
// {"count": N, "value": "<jwt>"}, a JWT from the fake's identity provider
// with aud A (GitHubDefaultAudience without one) that the exchange accepts
// when A is "packagemanager".
func (s *Server) handleGitHubToken(w http.ResponseWriter, r *http.Request) {
	s.count(func(c *Counts) { c.GitHubToken++ })
	want := "Bearer " + s.ghToken
	if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(want)) != 1 {
		note(w, "bad request token")
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	q := r.URL.Query()
	if q.Get("api-version") != "2.0" {
		note(w, "no api-version")
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "api-version=2.0 is required"})
		return
	}
	asked := q.Get("audience")
	aud := asked
	if aud == "" {
		aud = GitHubDefaultAudience
	}
	now := s.now()
	tok := s.remember(signJWT(s.idpKey, map[string]any{
		"iss": idpIssuer, "aud": aud, "sub": GitHubSubject,
		"iat": now.Unix(), "exp": now.Add(githubLifetime).Unix(),
		"jti": "gh-" + hex.EncodeToString(randomBytes(6)),
	}))
	s.mu.Lock()
	s.ghIssue = append(s.ghIssue, ghIssue{asked, tok})
	s.mu.Unlock()
	note(w, "issued a GitHub OIDC token for audience "+aud)
	writeJSON(w, http.StatusOK, map[string]any{"count": len(tok), "value": tok})
}
