package tokens

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
	"github.com/posit-dev/git-credential-ppm/oauth"
)

// maxGitHubAnswer bounds the answer read from the token request URL (a
// GitHub OIDC token is about 1 KiB).
const maxGitHubAnswer = 64 << 10

// GitHubActions fetches the job's OIDC token from GitHub Actions (a job
// with `permissions: id-token: write`): GET the request URL with
// &audience=<Audience>, `Authorization: Bearer <RequestToken>`, answered by
// {"value": "<jwt>"}. The request URL receives the request token and nothing
// else of ours. RequestToken and the fetched token are secrets: no error or
// description contains them.
type GitHubActions struct {
	// RequestURL is ACTIONS_ID_TOKEN_REQUEST_URL.
	RequestURL string
	// RequestToken is ACTIONS_ID_TOKEN_REQUEST_TOKEN, a secret.
	RequestToken string
	// Audience is PACKAGEMANAGER_IDENTITY_AUDIENCE; empty asks for GitHub's
	// default audience (no audience parameter).
	Audience string
	// HTTP sends the request; nil means oauth.NewHTTPClient().
	HTTP *http.Client
}

// Describe names the source and the audience asked for.
func (g *GitHubActions) Describe() string {
	aud := "GitHub's default audience"
	if g.Audience != "" {
		aud = "audience " + g.Audience
	}
	return "GitHub Actions OIDC token request for " + aud
}

// String is Describe, so that printing the source shows no secret.
func (g *GitHubActions) String() string { return g.Describe() }

// GoString is Describe too, for %#v.
func (g *GitHubActions) GoString() string { return "tokens.GitHubActions{" + g.Describe() + "}" }

// Check validates the request URL.
func (g *GitHubActions) Check() error {
	_, err := g.requestURL()
	return err
}

// requestURL is the request URL with the audience parameter, refused unless
// it is https (plain http only to loopback, as in tests).
func (g *GitHubActions) requestURL() (*url.URL, error) {
	u, err := url.Parse(g.RequestURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%s is not an http(s) URL; it is set by GitHub Actions for a job with `permissions: id-token: write` and should not be set by hand", EnvGitHubRequestURL)
	}
	if u.Scheme == "http" && !addr.IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing to send ACTIONS_ID_TOKEN_REQUEST_TOKEN over plain http to %s (from %s); only an https request URL is used", u.Host, EnvGitHubRequestURL)
	}
	if g.Audience != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += "audience=" + url.QueryEscape(g.Audience)
	}
	u.Fragment = ""
	return u, nil
}

// IdentityToken fetches a new OIDC token for the job.
func (g *GitHubActions) IdentityToken(ctx context.Context) (string, error) {
	u, err := g.requestURL()
	if err != nil {
		return "", err
	}
	where := u.Scheme + "://" + u.Host
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("%s is not a URL to send a request to (%s); it is set by GitHub Actions and should not be set by hand", EnvGitHubRequestURL, transportCause(err))
	}
	req.Header.Set("Authorization", "Bearer "+g.RequestToken)
	req.Header.Set("Accept", "application/json")
	hc := g.HTTP
	if hc == nil {
		hc = oauth.NewHTTPClient()
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("the GitHub Actions OIDC token request was cancelled: %w", ctx.Err())
		}
		return "", fmt.Errorf("could not get the job's OIDC token from GitHub Actions at %s (%s); check the runner's network and proxy settings, then re-run the job", where, transportCause(err))
	}
	defer resp.Body.Close()
	// The body is never quoted: a misbehaving server may echo what it got.
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxGitHubAnswer+1))
	switch {
	case resp.StatusCode == 401 || resp.StatusCode == 403:
		return "", fmt.Errorf("GitHub Actions refused the OIDC token request (%d %s); the request token may have expired (a job's lasts as long as the job) — check that the job has `permissions: id-token: write`", resp.StatusCode, http.StatusText(resp.StatusCode))
	case resp.StatusCode != 200:
		return "", fmt.Errorf("GitHub Actions answered the OIDC token request with %d %s; re-run the job, and check https://www.githubstatus.com if it keeps failing", resp.StatusCode, http.StatusText(resp.StatusCode))
	case readErr != nil:
		return "", fmt.Errorf("the OIDC token answer from GitHub Actions at %s was cut off (%s); re-run the job", where, transportCause(readErr))
	case len(body) > maxGitHubAnswer:
		return "", fmt.Errorf("the OIDC token answer from GitHub Actions at %s is over 64 KiB, so it is not one; check %s", where, EnvGitHubRequestURL)
	}
	var ans struct {
		Value any `json:"value"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if ct == "" {
			ct = "no content type"
		}
		return "", fmt.Errorf("the OIDC token answer from GitHub Actions at %s is not JSON (%s); check %s and any proxy in between", where, ct, EnvGitHubRequestURL)
	}
	value, ok := ans.Value.(string)
	if !ok || strings.TrimSpace(value) == "" {
		return "", fmt.Errorf("the OIDC token answer from GitHub Actions at %s has no \"value\" string; check %s and any proxy in between", where, EnvGitHubRequestURL)
	}
	return checkIdentityText(value, "the OIDC token GitHub Actions returned")
}

// transportCause is a transport error's text, kept to one short line.
func transportCause(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
