package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/posit-dev/git-credential-ppm/oauth"
)

// readWithin runs f and fails the test when it does not return within a
// generous bound: the failure being guarded against is a hang (a named pipe
// blocking open()), not slowness.
func readWithin(t *testing.T, f func() (string, error)) (string, error) {
	t.Helper()
	type res struct {
		s   string
		err error
	}
	ch := make(chan res, 1)
	go func() { s, err := f(); ch <- res{s, err} }()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-time.After(20 * time.Second):
		t.Fatal("reading the identity token did not return: it hangs")
		return "", nil
	}
}

// oneLine fails unless err is one line that names the variable and leaks
// none of secrets.
func oneLine(t *testing.T, err error, mustSay string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one saying %q", mustSay)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r") {
		t.Errorf("error is not one line: %q", msg)
	}
	if !strings.Contains(msg, mustSay) {
		t.Errorf("error %q does not say %q", msg, mustSay)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error %q contains a secret", msg)
		}
	}
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIdentityFileReadsTheFirstLine(t *testing.T) {
	cases := map[string]string{
		"one line":           "eyJ.id.token\n",
		"no line end":        "eyJ.id.token",
		"CRLF":               "eyJ.id.token\r\n",
		"spaces around":      "  eyJ.id.token \t\nsecond line is ignored\n",
		"rest of file large": "eyJ.id.token\n" + strings.Repeat("x", 3*maxIdentityLine),
	}
	for name, body := range cases {
		p := writeFile(t, "token", body)
		got, err := IdentityFile{Path: p}.IdentityToken(context.Background())
		if err != nil || got != "eyJ.id.token" {
			t.Errorf("%s: got %q, %v; want the first line", name, got, err)
		}
	}
	// Exactly 64 KiB without a line end is still one line.
	long := strings.Repeat("a", maxIdentityLine)
	if got, err := (IdentityFile{Path: writeFile(t, "long", long)}).IdentityToken(context.Background()); err != nil || got != long {
		t.Errorf("a 64 KiB token: %v", err)
	}
}

func TestIdentityFileFollowsSymlinks(t *testing.T) {
	// Kubernetes' projected service-account token is a symlink into a
	// ..data directory that the kubelet swaps when it rotates the token.
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: projected tokens are a Linux (Kubernetes) layout of relative symlinks, which Windows (and Wine) resolve differently")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "..2026_12_01")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "token"), []byte("eyJ.k8s.token"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..2026_12_01", filepath.Join(dir, "..data")); err != nil {
		t.Skipf("SKIPPING: cannot create symlinks here: %v", err)
	}
	if err := os.Symlink(filepath.Join("..data", "token"), filepath.Join(dir, "token")); err != nil {
		t.Fatal(err)
	}
	got, err := IdentityFile{Path: filepath.Join(dir, "token")}.IdentityToken(context.Background())
	if err != nil || got != "eyJ.k8s.token" {
		t.Fatalf("got %q, %v; want the projected token", got, err)
	}
}

func TestIdentityFileRefusesWhatIsNotAToken(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, path, say string
	}{
		{"empty file", writeFile(t, "empty", ""), "is empty"},
		{"blank first line", writeFile(t, "blank", "  \nsecond\n"), "is empty"},
		{"missing", filepath.Join(dir, "nope"), "does not exist"},
		{"directory", dir, "is a directory, not a regular file"},
		{"binary", writeFile(t, "bin", "eyJ\x00\x01rest\n"), "control character"},
		{"no line end within 64 KiB", writeFile(t, "huge", strings.Repeat("a", maxIdentityLine+1)), "no line end within its first 64 KiB"},
	}
	for _, c := range cases {
		_, err := readWithin(t, func() (string, error) { return IdentityFile{Path: c.path}.IdentityToken(context.Background()) })
		oneLine(t, err, c.say)
		if err != nil && !strings.Contains(err.Error(), "PACKAGEMANAGER_IDENTITY_TOKEN_FILE="+c.path) {
			t.Errorf("%s: error %q does not name the variable and path", c.name, err)
		}
	}
}

// A 200 MB file (sparse: zeros) is refused after reading 64 KiB of it, not
// read whole: memory use stays far below the file's size.
func TestIdentityFileHugeFileReadsOnly64KiB(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = readWithin(t, func() (string, error) { return IdentityFile{Path: p}.IdentityToken(context.Background()) })
	runtime.ReadMemStats(&after)
	oneLine(t, err, "no line end within its first 64 KiB")
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("reading a 200 MB identity token file allocated %d bytes; want at most a few hundred KiB", grew)
	}
	// With a line end early, the first line is the token and the rest is
	// never read.
	if err := os.WriteFile(p, []byte("eyJ.first.line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 200<<20); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := IdentityFile{Path: p}.IdentityToken(context.Background())
	runtime.ReadMemStats(&after)
	if err != nil || got != "eyJ.first.line" {
		t.Fatalf("got %q, %v; want the first line", got, err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Fatalf("reading the first line of a 200 MB file allocated %d bytes", grew)
	}
}

func TestIdentityVariable(t *testing.T) {
	v := IdentityVariable{Value: " eyJ.gitlab.token\n"}
	if got, err := v.IdentityToken(context.Background()); err != nil || got != "eyJ.gitlab.token" {
		t.Fatalf("got %q, %v", got, err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", v, v, v, v.Describe()); strings.Contains(s, "gitlab.token") {
		t.Fatalf("printing the source shows the token: %s", s)
	}
	bad := IdentityVariable{Value: "eyJ.one\neyJ.two"}
	_, err := bad.IdentityToken(context.Background())
	oneLine(t, err, "PACKAGEMANAGER_IDENTITY_TOKEN does not hold an identity token", "eyJ.one", "eyJ.two")
}

func TestIdentityFromEnvPrecedence(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	all := []string{
		EnvIdentityFile, "/ci/token",
		EnvIdentityToken, "eyJ.var",
		EnvGitHubRequestURL, "https://gh.example/x?api-version=2.0",
		EnvGitHubRequestTok, "req-secret",
		"GITHUB_ACTIONS", "true",
	}
	cases := []struct {
		name string
		env  func(string) string
		want string // Describe prefix; "" for nil
	}{
		{"nothing", env(), ""},
		{"everything: the file wins", env(all...), "identity token file /ci/token"},
		{"variable beats GitHub", env(all[2:]...), "identity token in PACKAGEMANAGER_IDENTITY_TOKEN"},
		{"blank variable is unset", env(append([]string{EnvIdentityToken, "  "}, all[4:]...)...), "GitHub Actions OIDC token request for GitHub's default audience"},
		{"GitHub with audience", env(append([]string{EnvIdentityAudience, "packagemanager"}, all[4:]...)...), "GitHub Actions OIDC token request for audience packagemanager"},
		{"GitHub without id-token permission", env("GITHUB_ACTIONS", "true"), "none (this GitHub Actions job lacks `permissions: id-token: write`)"},
		{"GitHub URL without token", env(EnvGitHubRequestURL, "https://x"), "none (ACTIONS_ID_TOKEN_REQUEST_TOKEN is not set)"},
		{"not GitHub", env("GITHUB_ACTIONS", "false"), ""},
	}
	for _, c := range cases {
		src := IdentityFromEnv(c.env, nil)
		switch {
		case c.want == "" && src != nil:
			t.Errorf("%s: got %s; want none (device flow)", c.name, src.Describe())
		case c.want != "" && (src == nil || !strings.HasPrefix(src.Describe(), c.want)):
			t.Errorf("%s: got %v; want %q", c.name, src, c.want)
		}
		if src != nil && strings.Contains(src.Describe(), "req-secret") {
			t.Errorf("%s: Describe shows the request token", c.name)
		}
	}
	_, err := IdentityFromEnv(env("GITHUB_ACTIONS", "true"), nil).IdentityToken(context.Background())
	oneLine(t, err, "add `permissions: id-token: write` to the job")
	_, err = IdentityFromEnv(env(EnvGitHubRequestURL, "https://x"), nil).IdentityToken(context.Background())
	oneLine(t, err, "ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not")
}

// githubStandIn answers like GitHub's token request URL, recording what it
// was sent.
type githubStandIn struct {
	mu       sync.Mutex
	requests []*http.Request
	answer   func(w http.ResponseWriter, n int)
	srv      *httptest.Server
}

func newGitHubStandIn(t *testing.T, answer func(w http.ResponseWriter, n int)) *githubStandIn {
	g := &githubStandIn{answer: answer}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.requests = append(g.requests, r.Clone(context.Background()))
		n := len(g.requests)
		g.mu.Unlock()
		g.answer(w, n)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

const ghRequestToken = "ghs_request-token-secret-0123456789"

func ghJWT(n int) string {
	return jwt(map[string]any{"sub": "repo:o/r", "aud": "packagemanager", "n": n})
}

func TestGitHubActionsFetchesAToken(t *testing.T) {
	g := newGitHubStandIn(t, func(w http.ResponseWriter, n int) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":1,"value":%q}`, ghJWT(n))
	})
	src := &GitHubActions{RequestURL: g.srv.URL + "/token?api-version=2.0", RequestToken: ghRequestToken, Audience: "https://ppm.example.com/a b"}
	got, err := src.IdentityToken(context.Background())
	if err != nil || got != ghJWT(1) {
		t.Fatalf("got %q, %v; want the JWT in value", got, err)
	}
	r := g.requests[0]
	if r.Method != http.MethodGet || r.URL.Path != "/token" {
		t.Errorf("request %s %s; want GET /token", r.Method, r.URL.Path)
	}
	if q := r.URL.Query(); q.Get("api-version") != "2.0" || q.Get("audience") != "https://ppm.example.com/a b" || len(q) != 2 {
		t.Errorf("query %q; want the request URL's own query and the audience", r.URL.RawQuery)
	}
	if a := r.Header.Get("Authorization"); a != "Bearer "+ghRequestToken {
		t.Errorf("Authorization %q; want the request token as a bearer token", a)
	}
	for k := range r.Header {
		if k != "Authorization" && k != "Accept" && k != "User-Agent" && k != "Accept-Encoding" {
			t.Errorf("the request URL was sent header %s", k)
		}
	}
	// No audience: no audience parameter at all (GitHub's default).
	src.Audience = ""
	if _, err := src.IdentityToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q := g.requests[1].URL.RawQuery; q != "api-version=2.0" {
		t.Errorf("without an audience the query is %q; want the request URL's own", q)
	}
}

func TestGitHubActionsFailuresAreOneLineWithoutSecrets(t *testing.T) {
	echoJWT := ghJWT(7)
	cases := []struct {
		name   string
		answer func(w http.ResponseWriter)
		say    string
	}{
		{"401", func(w http.ResponseWriter) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"message":"bad token %s"}`, ghRequestToken)
		}, "GitHub Actions refused the OIDC token request (401 Unauthorized)"},
		{"403", func(w http.ResponseWriter) { w.WriteHeader(403) }, "`permissions: id-token: write`"},
		{"500", func(w http.ResponseWriter) { w.WriteHeader(500); fmt.Fprint(w, echoJWT) }, "answered the OIDC token request with 500 Internal Server Error"},
		{"HTML", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<html>%s %s</html>", ghRequestToken, echoJWT)
		}, "is not JSON (text/html)"},
		{"no value", func(w http.ResponseWriter) { fmt.Fprintf(w, `{"count":1,"token":%q}`, echoJWT) }, `has no "value"`},
		{"empty value", func(w http.ResponseWriter) { fmt.Fprint(w, `{"value":"  "}`) }, `has no "value"`},
		{"value not a string", func(w http.ResponseWriter) { fmt.Fprint(w, `{"value":42}`) }, `has no "value" string`},
		{"value with a line break", func(w http.ResponseWriter) { fmt.Fprintf(w, `{"value":"%s\n%s"}`, echoJWT, ghRequestToken) }, "control character"},
		{"over 64 KiB", func(w http.ResponseWriter) { fmt.Fprintf(w, `{"value":"%s"}`, strings.Repeat("a", maxGitHubAnswer)) }, "over 64 KiB"},
	}
	for _, c := range cases {
		g := newGitHubStandIn(t, func(w http.ResponseWriter, _ int) { c.answer(w) })
		src := &GitHubActions{RequestURL: g.srv.URL + "/?api-version=2.0", RequestToken: ghRequestToken}
		_, err := src.IdentityToken(context.Background())
		t.Run(c.name, func(t *testing.T) { oneLine(t, err, c.say, ghRequestToken, echoJWT, "eyJ") })
	}
}

func TestGitHubActionsRefusesPlainHTTPElsewhere(t *testing.T) {
	var hit atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	defer srv.Close()
	for _, u := range []string{"http://ppm.test/x?api-version=2.0", "ftp://x/y", "::not a url", "https:///nohost"} {
		src := &GitHubActions{RequestURL: u, RequestToken: ghRequestToken}
		_, err := src.IdentityToken(context.Background())
		oneLine(t, err, "ACTIONS_ID_TOKEN_REQUEST", ghRequestToken)
		if src.Check() == nil {
			t.Errorf("Check accepted %s", u)
		}
	}
	if hit.Load() {
		t.Fatal("a request was made")
	}
	// Unreachable: one line naming the host, not the request token.
	srv.Close()
	_, err := (&GitHubActions{RequestURL: srv.URL + "/?api-version=2.0", RequestToken: ghRequestToken}).IdentityToken(context.Background())
	oneLine(t, err, "could not get the job's OIDC token from GitHub Actions at http://127.0.0.1", ghRequestToken)
}

// The manager asks the source for a new identity token for every exchange
// and sends it (and only it) to Package Manager; the request token never
// reaches Package Manager and our token never reaches GitHub.
func TestManagerExchangesGitHubTokenPerExchange(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	g := newGitHubStandIn(t, func(w http.ResponseWriter, n int) { fmt.Fprintf(w, `{"value":%q}`, ghJWT(n)) })
	var exchanges atomic.Int32
	var bad atomic.Value
	ppm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := exchanges.Add(1)
		_ = r.ParseForm()
		if got := r.PostForm.Get("subject_token"); got != ghJWT(int(n)) {
			bad.Store(fmt.Sprintf("exchange %d got subject_token %q; want GitHub's token %d", n, got, n))
		}
		if strings.Contains(fmt.Sprint(r.Header, r.PostForm), ghRequestToken) {
			bad.Store("Package Manager received the GitHub request token")
		}
		iat := clock.Now()
		fmt.Fprintf(w, `{"access_token":%q}`, jwt(map[string]any{"sub": "ci", "iat": iat.Unix(), "exp": iat.Add(time.Hour).Unix()}))
	}))
	defer ppm.Close()
	m := &Manager{
		Store:    newMem(),
		Identity: &GitHubActions{RequestURL: g.srv.URL + "/?api-version=2.0", RequestToken: ghRequestToken, Audience: "packagemanager"},
		LockDir:  t.TempDir(),
		HTTP:     oauth.NewHTTPClient(),
		Now:      clock.Now,
	}
	if _, err := m.Get(context.Background(), ppm.URL, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(context.Background(), ppm.URL, Options{}); err != nil {
		t.Fatal(err)
	}
	clock.Add(time.Hour)
	tok, err := m.Get(context.Background(), ppm.URL, Options{})
	if err != nil || tok.Source != FromIdentity {
		t.Fatalf("after expiry: %v from %s", err, tok.Source)
	}
	if b := bad.Load(); b != nil {
		t.Fatal(b)
	}
	if len(g.requests) != 2 || exchanges.Load() != 2 {
		t.Fatalf("GitHub requests %d, exchanges %d; want 2 and 2 (one fetch per exchange, none for a stored token)", len(g.requests), exchanges.Load())
	}
	for _, r := range g.requests {
		if strings.Contains(fmt.Sprint(r.Header), tok.Value) {
			t.Fatal("GitHub received a Package Manager token")
		}
	}
	if m.NextLogin() != "GitHub Actions OIDC token request for audience packagemanager" {
		t.Errorf("NextLogin = %q", m.NextLogin())
	}
}

// An identity source that fails ends the login with its line and releases
// the lock: no device flow starts, the next attempt is not blocked.
func TestManagerIdentityFailureIsTheError(t *testing.T) {
	m := &Manager{Store: newMem(), Identity: IdentityFile{Path: filepath.Join(t.TempDir(), "missing")}, LockDir: t.TempDir(), Interactive: true}
	for i := 0; i < 2; i++ {
		_, err := m.Get(context.Background(), "https://ppm.example.com", Options{})
		oneLine(t, err, "does not exist")
		if errors.Is(err, ErrLoginRequired) {
			t.Fatal("a failing identity source fell back to the device flow's error")
		}
	}
}
