package tokens

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"

	"github.com/posit-dev/git-credential-ppm/internal/filekind"
	"github.com/posit-dev/git-credential-ppm/oauth"
)

// IdentitySource gives the OIDC identity token a login exchanges for a PPM
// token (CI: a file, a variable, GitHub Actions' token request). One is
// chosen per process from the environment (IdentityFromEnv); its token is
// fetched again for every exchange, because CI identity tokens live minutes.
type IdentitySource interface {
	// Describe names the source for status, doctor and traces. It never
	// contains the identity token or anything used to obtain it.
	Describe() string
	// Check reports, without any network request, a problem the next
	// exchange would hit (an unreadable file, a missing permission).
	Check() error
	// IdentityToken returns a current identity token for one exchange.
	IdentityToken(ctx context.Context) (string, error)
}

// Identity variables (docs/contract.md §2).
const (
	EnvIdentityFile     = "PACKAGEMANAGER_IDENTITY_TOKEN_FILE"
	EnvIdentityToken    = "PACKAGEMANAGER_IDENTITY_TOKEN"
	EnvIdentityAudience = "PACKAGEMANAGER_IDENTITY_AUDIENCE"
	EnvGitHubRequestURL = "ACTIONS_ID_TOKEN_REQUEST_URL"
	EnvGitHubRequestTok = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
)

// IdentityFromEnv picks the identity source the next exchange uses, in the
// order of docs/contract.md §2: the identity-token file, the identity-token variable,
// GitHub Actions' token request. It returns nil when none is configured (a
// login then runs the device flow). Inside GitHub Actions without the
// request variables, or with only one of them, the source it returns fails
// every exchange with a line saying what the job lacks: no person is there
// to complete a device flow. It only reads variables (no file, no network),
// so it costs nothing on the hot path; hc is used for GitHub's request.
func IdentityFromEnv(getenv func(string) string, hc *http.Client) IdentitySource {
	if p := getenv(EnvIdentityFile); p != "" {
		return IdentityFile{Path: p}
	}
	if v := strings.TrimSpace(getenv(EnvIdentityToken)); v != "" {
		return IdentityVariable{Value: v}
	}
	reqURL, reqTok := strings.TrimSpace(getenv(EnvGitHubRequestURL)), strings.TrimSpace(getenv(EnvGitHubRequestTok))
	switch {
	case reqURL != "" && reqTok != "":
		return &GitHubActions{RequestURL: reqURL, RequestToken: reqTok, Audience: strings.TrimSpace(getenv(EnvIdentityAudience)), HTTP: hc}
	case reqURL != "" || reqTok != "":
		missing := EnvGitHubRequestTok
		if reqURL == "" {
			missing = EnvGitHubRequestURL
		}
		return unavailableIdentity{
			what: "none (" + missing + " is not set)",
			err:  fmt.Errorf("%s is set but %s is not; GitHub sets both for a job with `permissions: id-token: write` — do not set them by hand", other(missing), missing),
		}
	case getenv("GITHUB_ACTIONS") == "true":
		return unavailableIdentity{
			what: "none (this GitHub Actions job lacks `permissions: id-token: write`)",
			err:  errors.New("this GitHub Actions job gets no OIDC token: add `permissions: id-token: write` to the job (or to the workflow) so that git-credential-ppm can sign in to Package Manager"),
		}
	}
	return nil
}

func other(name string) string {
	if name == EnvGitHubRequestURL {
		return EnvGitHubRequestTok
	}
	return EnvGitHubRequestURL
}

// unavailableIdentity is a configured CI identity that cannot work; every
// exchange fails with err.
type unavailableIdentity struct {
	what string
	err  error
}

func (u unavailableIdentity) Describe() string { return u.what }
func (u unavailableIdentity) Check() error     { return u.err }
func (u unavailableIdentity) IdentityToken(context.Context) (string, error) {
	return "", u.err
}

// IdentityVariable is an identity token held in PACKAGEMANAGER_IDENTITY_TOKEN
// (GitLab CI's `id_tokens:` puts one in a variable).
type IdentityVariable struct {
	// Value is the identity token, a secret.
	Value string
}

// Describe names the variable, never its value.
func (v IdentityVariable) Describe() string {
	return "identity token in " + EnvIdentityToken
}

// String is Describe, so that printing the source shows no secret.
func (v IdentityVariable) String() string { return v.Describe() }

// GoString is Describe too, for %#v.
func (v IdentityVariable) GoString() string { return "tokens.IdentityVariable{" + v.Describe() + "}" }

// Check refuses a value that cannot be a token.
func (v IdentityVariable) Check() error {
	_, err := checkIdentityText(v.Value, EnvIdentityToken)
	return err
}

// IdentityToken returns the variable's value, trimmed.
func (v IdentityVariable) IdentityToken(context.Context) (string, error) {
	return checkIdentityText(v.Value, EnvIdentityToken)
}

// checkIdentityText trims an identity token and refuses an empty one or one
// with spaces or control characters inside (a pasted multi-line blob, a
// binary file), naming where it came from but never quoting it.
func checkIdentityText(s, where string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s holds no identity token (it is empty); check the CI job's OIDC token setup", where)
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar }); i >= 0 {
		return "", fmt.Errorf("%s does not hold an identity token (it contains a space or control character at byte %d); it must hold the OIDC token (a JWT) alone", where, i)
	}
	return s, nil
}

// maxIdentityLine bounds the first line of an identity-token file (docs/contract.md §8).
const maxIdentityLine = 64 << 10

// IdentityFile is an identity-token file (PACKAGEMANAGER_IDENTITY_TOKEN_FILE):
// a regular file whose first line is the token. CI systems and Kubernetes
// rotate it, so it is read again for every exchange. Symbolic links are
// followed (Kubernetes' projected token is one).
type IdentityFile struct {
	// Path is the file's path.
	Path string
}

// Describe names the file.
func (f IdentityFile) Describe() string {
	return fmt.Sprintf("identity token file %s (%s)", f.Path, EnvIdentityFile)
}

// Check reads the file as an exchange would.
func (f IdentityFile) Check() error {
	_, err := f.IdentityToken(context.Background())
	return err
}

// IdentityToken reads the first line of the file, trimmed. A file that is
// not a regular file (a named pipe that would block, /dev/zero, a
// directory) is refused before it is read, and at most 64 KiB are read.
func (f IdentityFile) IdentityToken(context.Context) (string, error) {
	where := EnvIdentityFile + "=" + f.Path
	if fi, err := os.Stat(f.Path); err != nil {
		return "", identityFileError(where, err)
	} else if !fi.Mode().IsRegular() {
		return "", notRegular(where, fi.Mode())
	}
	file, err := openNoBlock(f.Path)
	if err != nil {
		return "", identityFileError(where, err)
	}
	defer file.Close()
	// The path may have been swapped between Stat and open: look again at
	// what was opened.
	fi, err := file.Stat()
	if err != nil {
		return "", identityFileError(where, err)
	}
	if !fi.Mode().IsRegular() {
		return "", notRegular(where, fi.Mode())
	}
	buf := make([]byte, maxIdentityLine+1)
	n, err := io.ReadFull(file, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", identityFileError(where, err)
	}
	buf = buf[:n]
	line, _, found := strings.Cut(string(buf), "\n")
	if !found && n > maxIdentityLine {
		return "", fmt.Errorf("the identity token file %s has no line end within its first 64 KiB, so it does not hold an identity token; point %s at the file holding the OIDC token", where, EnvIdentityFile)
	}
	tok, err := checkIdentityText(line, "the first line of the identity token file "+where)
	if err != nil {
		return "", err
	}
	return tok, nil
}

func identityFileError(where string, err error) error {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("the identity token file %s does not exist; check the CI job's OIDC token setup (the path, and that the token is written before git or pip runs)", where)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("the identity token file %s cannot be read (permission denied); make it readable by this user", where)
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("could not read the identity token file %s: %w", where, err)
}

func notRegular(where string, mode os.FileMode) error {
	return fmt.Errorf("the identity token file %s is %s, not a regular file; point %s at the file holding the OIDC token", where, filekind.Of(mode), EnvIdentityFile)
}

// identity is the source the next exchange uses: Identity, else the
// IdentityTokenFile, else nil (a device flow).
func (m *Manager) identity() IdentitySource {
	if m.Identity != nil {
		return m.Identity
	}
	if m.IdentityTokenFile != "" {
		return IdentityFile{Path: m.IdentityTokenFile}
	}
	return nil
}

// NextLogin describes how the next login for an address will get its
// identity token: the identity source, or the device flow; for status and
// doctor.
func (m *Manager) NextLogin() string {
	if id := m.identity(); id != nil {
		return id.Describe()
	}
	return "device flow in the browser (no CI identity token configured)"
}

// IdentityClaims is what status and doctor show of an identity token —
// what an administrator compares with Package Manager's
// IdentityFederation when the exchange answers 401 — never the token.
type IdentityClaims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time // zero: none
}

// ErrIdentityRemote is PeekIdentity's answer for a source it would have to
// ask over the network (GitHub Actions) when fetch is false.
var ErrIdentityRemote = errors.New("the identity token is fetched for each exchange")

// PeekIdentity gets the identity token src gives now, as an exchange
// would, and returns its claims. A source that asks the network (GitHub
// Actions' token request) is asked only when fetch is true; otherwise the
// answer is ErrIdentityRemote. A token that is not a JWT with valid claims
// is an error saying so.
func PeekIdentity(ctx context.Context, src IdentitySource, fetch bool) (IdentityClaims, error) {
	if _, remote := src.(*GitHubActions); remote && !fetch {
		return IdentityClaims{}, ErrIdentityRemote
	}
	if err := src.Check(); err != nil {
		return IdentityClaims{}, err
	}
	tok, err := src.IdentityToken(ctx)
	if err != nil {
		return IdentityClaims{}, err
	}
	c, err := oauth.ParseClaims(tok)
	if err != nil {
		return IdentityClaims{}, fmt.Errorf("the token from the %s is not a JWT with valid claims (%w); CI must provide the OIDC identity token itself", src.Describe(), err)
	}
	return IdentityClaims{Issuer: c.Issuer, Subject: c.Subject, Audience: c.Audience, Expiry: c.Expiry}, nil
}

// NextIdentity returns the source the next exchange uses, or nil (a
// device flow).
func (m *Manager) NextIdentity() IdentitySource { return m.identity() }

// ForeignIdentityFiles are the variables other clouds' workload identity
// sets, pointing at tokens minted for their own audience. They are never
// read: an exchange must present a token minted for Package Manager's
// audience, so a Kubernetes pod projects one of its own and points
// PACKAGEMANAGER_IDENTITY_TOKEN_FILE at it. doctor names them when set.
var ForeignIdentityFiles = []string{"AZURE_FEDERATED_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE"}
