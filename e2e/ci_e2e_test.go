package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// The CI recipes of docs/ci.md, run against the fake with the real binary
// and the real git: each sets only what its CI system would set.

// gitFill runs `git credential fill` for the fake's repository with the
// helper configured, and returns the token git got.
func (w *world) gitFill() (string, result) {
	w.t.Helper()
	w.configureGit()
	r := w.runCmd(exec.Command(testtool.Need(w.t, "git"), "credential", "fill"), "url="+w.ppm.GitRepoURL()+"\n")
	return attr(r.stdout, "password"), r
}

// GitHub Actions with `permissions: id-token: write`: no token file, no
// curl step; the helper fetches the job's token itself.
func TestCIGitHubActionsWithoutATokenFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("GITHUB_ACTIONS", "true")
	w.set("ACTIONS_ID_TOKEN_REQUEST_URL", w.ppm.GitHubRequestURL())
	w.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", w.ppm.GitHubRequestToken())
	w.set("PACKAGEMANAGER_IDENTITY_AUDIENCE", "packagemanager")
	if st := w.run("", "status"); !strings.Contains(st.stdout, "next login: GitHub Actions OIDC token request for audience packagemanager") {
		t.Errorf("status does not say where the next login gets its identity: %q", st.stdout)
	}
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill in GitHub Actions: %d %q %s", r.code, r.stdout, r.stderr)
	}
	if ls := w.git("ls-remote", w.ppm.GitRepoURL()); ls.code != 0 {
		t.Fatalf("git ls-remote: %s", ls.stderr)
	}
	if got := w.ppm.GitHubAudiences(); len(got) != 1 || got[0] != "packagemanager" {
		t.Errorf("audiences asked of GitHub: %q; want one request for packagemanager", got)
	}
	if c := w.ppm.Counts(); c.Exchange != 1 || c.Device != 0 {
		t.Errorf("counts %+v; want one exchange, no device flow", c)
	}
	// Every new exchange fetches a new OIDC token (they live minutes).
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login: %s", r.stderr)
	}
	if n := len(w.ppm.GitHubTokens()); n != 2 {
		t.Errorf("GitHub tokens fetched: %d; want one per exchange (2)", n)
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "identity: the next login uses the GitHub Actions OIDC token request for audience packagemanager (issuer fakeppm-idp, audience packagemanager, subject "+fakeppm.GitHubSubject) {
		t.Errorf("doctor does not name the identity source: %q", d.stdout)
	}
	w.assertNoSecretsLeaked(append(w.ppm.GitHubTokens(), tok, w.ppm.GitHubRequestToken())...)
}

// Without PACKAGEMANAGER_IDENTITY_AUDIENCE GitHub's default audience is
// asked for, which this Package Manager does not accept: one line.
func TestCIGitHubActionsDefaultAudienceRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("ACTIONS_ID_TOKEN_REQUEST_URL", w.ppm.GitHubRequestURL())
	w.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", w.ppm.GitHubRequestToken())
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "refused the identity token") {
		t.Fatalf("default audience: code %d stdout %q stderr %q; want one line saying the identity token was refused", r.code, r.stdout, r.stderr)
	}
	if got := w.ppm.GitHubAudiences(); len(got) != 1 || got[0] != "" {
		t.Errorf("audiences asked: %q; want one request without an audience", got)
	}
	w.assertNoSecretsLeaked(append(w.ppm.GitHubTokens(), w.ppm.GitHubRequestToken())...)
}

// A GitHub Actions job without `permissions: id-token: write` has no
// request variables: one line saying what to add, no device flow.
func TestCIGitHubActionsWithoutPermission(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	w.set("GITHUB_ACTIONS", "true")
	w.set("GIT_TERMINAL_PROMPT", "")
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code == 0 || r.stdout != "" || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "add `permissions: id-token: write` to the job") {
		t.Fatalf("code %d stdout %q stderr %q; want one line naming id-token: write", r.code, r.stdout, r.stderr)
	}
	// A static token still works there.
	w.set("PACKAGEMANAGER_TOKEN", "static-token-value-123")
	if r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get"); attr(r.stdout, "password") != "static-token-value-123" {
		t.Errorf("PACKAGEMANAGER_TOKEN was not served in a job without id-token permission: %s", r.stderr)
	}
	if c := w.ppm.Counts(); c.Device != 0 || c.Exchange != 0 || c.GitHubToken != 0 {
		t.Errorf("counts %+v; want no requests", c)
	}
	w.set("PACKAGEMANAGER_TOKEN", "")
	if d := w.run("", "doctor"); d.code == 0 || !strings.Contains(d.stdout, "add `permissions: id-token: write` to the job") {
		t.Errorf("doctor passes a job that cannot log in: %d %q", d.code, d.stdout)
	}
}

// GitLab CI: `id_tokens: PACKAGEMANAGER_IDENTITY_TOKEN: {aud: …}` puts the
// token in the variable.
func TestCIGitLabIdentityVariable(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	id := w.ppm.IssueIdentityToken("project_path:group/project:ref_type:branch:ref:main")
	w.set("GITLAB_CI", "true")
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN", id)
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill with the GitLab variable: %d %s", r.code, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "next login: identity token in PACKAGEMANAGER_IDENTITY_TOKEN") || !strings.Contains(st.stdout, "project_path:group/project") {
		t.Errorf("status: %q", st.stdout)
	}
	// doctor shows the identity token's claims, what an administrator
	// compares with Package Manager's IdentityFederation.
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "✓ identity: the next login uses the identity token in PACKAGEMANAGER_IDENTITY_TOKEN (issuer fakeppm-idp, audience packagemanager, subject project_path:group/project:ref_type:branch:ref:main, ") {
		t.Errorf("doctor: %q", d.stdout)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN", w.ppm.IssueIdentityTokenFor("stale-job", 0))
	if d := w.run("", "doctor"); d.code == 0 || !strings.Contains(d.stdout, "✗ identity: the token from the identity token in PACKAGEMANAGER_IDENTITY_TOKEN expired") {
		t.Errorf("doctor with an expired identity token: %d %q", d.code, d.stdout)
	}
	w.assertNoSecretsLeaked(id, tok)
}

// Kubernetes: docs/ci.md's recipe — a projected service-account token with
// Package Manager's audience, mounted where PACKAGEMANAGER_IDENTITY_TOKEN_FILE
// points — laid out as the kubelet lays it: token -> ..data/token, ..data ->
// ..<timestamp>, swapped atomically (a new directory, a new ..data link
// renamed over the old) when it rotates the token. Each exchange reads the
// token in place then; status and doctor show its issuer, audience and
// subject, never the token.
func TestCIKubernetesProjectedTokenFile(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: projected tokens are a Linux (Kubernetes) layout of relative symlinks")
	}
	pod := readmeKubernetesPod(t)
	w := newWorld(t, fakeppm.Options{IdentityAudience: pod.audience})
	dir := filepath.Join(w.home, filepath.FromSlash(pod.mountPath))
	project := func(gen, subject string) string {
		data := filepath.Join(dir, "..2026_01_0"+gen)
		if err := os.MkdirAll(data, 0o755); err != nil {
			t.Fatal(err)
		}
		id := w.ppm.IssueIdentityToken(subject)
		if err := os.WriteFile(filepath.Join(data, pod.path), []byte(id), 0o600); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(filepath.Base(data), tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		if gen != "1" {
			if err := os.RemoveAll(filepath.Join(dir, "..2026_01_0"+strconv.Itoa(int(gen[0]-'0')-1))); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	first := project("1", "system:serviceaccount:ci:builder-1")
	if err := os.Symlink(filepath.Join("..data", pod.path), filepath.Join(dir, pod.path)); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", filepath.Join(w.home, filepath.FromSlash(pod.tokenFile)))
	claims := "identity token: issuer fakeppm-idp, audience " + pod.audience + ", subject system:serviceaccount:ci:builder-"
	if st := w.run("", "status"); !strings.Contains(st.stdout, claims+"1") {
		t.Errorf("status does not show the projected token's claims: %q", st.stdout)
	}
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill with the projected token: %d %s", r.code, r.stderr)
	}
	second := project("2", "system:serviceaccount:ci:builder-2")
	if st := w.run("", "status"); !strings.Contains(st.stdout, claims+"2") || !strings.Contains(st.stdout, "subject: system:serviceaccount:ci:builder-1") {
		t.Errorf("status after the rotation: %q; want the new identity token's claims and the PPM token of the first", st.stdout)
	}
	// The next exchange (the stored token gone, as after a 401) reads the
	// rotated token.
	if r := w.run("", "logout"); r.code != 0 {
		t.Fatalf("logout: %s", r.stderr)
	}
	tok2, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok2) || tok2 == tok {
		t.Fatalf("git credential fill after the rotation: %d %s", r.code, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "subject: system:serviceaccount:ci:builder-2") {
		t.Errorf("the rotated token was not read for the next exchange: %q", st.stdout)
	}
	third := project("3", "system:serviceaccount:ci:builder-3")
	if r := w.run("", "login"); r.code != 0 {
		t.Fatalf("login after the second rotation: %s", r.stderr)
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "✓ identity: the next login uses the identity token file") || !strings.Contains(d.stdout, "subject system:serviceaccount:ci:builder-3") {
		t.Errorf("doctor: %q", d.stdout)
	}
	if c := w.ppm.Counts(); c.Exchange < 3 {
		t.Errorf("%d exchanges; want one per login", c.Exchange)
	}
	w.assertNoSecretsLeaked(first, second, third, tok, tok2)
}

// TestCIForeignIdentityFilesAreNeverUsed: the token files other clouds'
// workload identity points at (Azure's AZURE_FEDERATED_TOKEN_FILE, AWS's
// AWS_WEB_IDENTITY_TOKEN_FILE) are minted for their audience and are never
// picked up on our own — even holding a token the server would accept. A
// non-interactive get fails with the login line and no exchange; doctor
// names them and says what to do instead.
func TestCIForeignIdentityFilesAreNeverUsed(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{})
	for _, name := range []string{"AZURE_FEDERATED_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		p := filepath.Join(w.home, strings.ToLower(name))
		if err := os.WriteFile(p, []byte(w.ppm.IssueIdentityToken("foreign")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		w.set(name, p)
	}
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "git-credential-ppm login") {
		t.Errorf("get: code %d, stdout %q, stderr %q; want the login line and no token", r.code, r.stdout, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, "next login: device flow") || strings.Contains(st.stdout, "identity token:") {
		t.Errorf("status: %q", st.stdout)
	}
	if c := w.ppm.Counts(); c.Exchange != 0 {
		t.Errorf("%d exchanges; want none", c.Exchange)
	}
	d := w.run("", "doctor")
	for _, name := range []string{"AZURE_FEDERATED_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		if !strings.Contains(d.stdout, "- identity: "+name+" is set, but the token there is minted for another audience and is never used") {
			t.Errorf("doctor does not name %s: %q", name, d.stdout)
		}
	}
}

// kubernetesPod is what docs/ci.md's Kubernetes recipe configures.
type kubernetesPod struct {
	tokenFile, mountPath, path, audience string
}

// readmeKubernetesPod reads docs/ci.md's Pod: PACKAGEMANAGER_IDENTITY_TOKEN_FILE,
// the projected volume's mountPath, the token's path and its audience; the
// variable must name the projected token.
func readmeKubernetesPod(t *testing.T) kubernetesPod {
	t.Helper()
	block, _, _ := strings.Cut(readmeRecipe(t, "\n## Kubernetes\n"), "\n```\n")
	field := func(after, key string) string {
		t.Helper()
		_, tail, ok := strings.Cut(block, after)
		if !ok {
			t.Fatalf("docs/ci.md's Kubernetes recipe has no %q", after)
		}
		for _, l := range strings.Split(tail, "\n") {
			l = strings.TrimPrefix(strings.TrimSpace(l), "- ")
			if v, ok := strings.CutPrefix(l, key+":"); ok {
				return strings.Trim(strings.TrimSpace(v), `"`)
			}
		}
		t.Fatalf("docs/ci.md's Kubernetes recipe has no %s after %q", key, after)
		return ""
	}
	pod := kubernetesPod{
		tokenFile: field("name: PACKAGEMANAGER_IDENTITY_TOKEN_FILE", "value"),
		mountPath: field("- name: ppm-token", "mountPath"),
		path:      field("serviceAccountToken:", "path"),
		audience:  field("serviceAccountToken:", "audience"),
	}
	if pod.tokenFile != pod.mountPath+"/"+pod.path || !strings.HasPrefix(pod.tokenFile, "/") || pod.audience == "" {
		t.Fatalf("docs/ci.md's Kubernetes recipe does not point PACKAGEMANAGER_IDENTITY_TOKEN_FILE at the projected token with an audience: %+v", pod)
	}
	return pod
}

// An identity-token file that is a named pipe used to hang the login while
// holding the lock: one line now, and at once.
func TestCIIdentityFileThatIsAPipe(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("SKIPPING on Windows: named pipes there are not files in a directory")
	}
	mkfifo := testtool.Need(t, "mkfifo")
	w := newWorld(t, fakeppm.Options{})
	fifo := filepath.Join(w.home, "oidc-fifo")
	if out, err := exec.Command(mkfifo, fifo).CombinedOutput(); err != nil {
		t.Fatalf("mkfifo: %v %s", err, out)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", fifo)
	for _, args := range [][]string{{"get"}, {"login"}} {
		r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), args...)
		if r.code == 0 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "is a named pipe, not a regular file") {
			t.Errorf("%v with a FIFO: code %d stderr %q; want one line", args, r.code, r.stderr)
		}
	}
	if d := w.run("", "doctor"); !strings.Contains(d.stdout, "named pipe") {
		t.Errorf("doctor does not flag the FIFO: %q", d.stdout)
	}
}

// Azure Pipelines: docs/ci.md's step that asks System.OidcRequestUri for
// the job's token and writes it to PACKAGEMANAGER_IDENTITY_TOKEN_FILE, run
// word for word (with Azure's macro filled in) against a stand-in, then git.
func TestCIAzurePipelinesRecipe(t *testing.T) {
	t.Parallel()
	step := readmeAzureTokenStep(t)
	w := newWorld(t, fakeppm.Options{IdentityAudience: fakeppm.AzureAudience})
	file := filepath.Join(w.home, "agent-tmp", "ppm-oidc")
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		t.Fatal(err)
	}
	w.set("PACKAGEMANAGER_IDENTITY_TOKEN_FILE", file)
	testtool.Need(t, "curl")
	testtool.Need(t, "python3")
	script := strings.ReplaceAll(step, "$(System.OidcRequestUri)", w.ppm.AzureOidcRequestURI())
	sh := exec.Command(testtool.Need(t, "sh"), "-ec", script)
	sh.Env = []string{"SYSTEM_ACCESSTOKEN=" + w.ppm.AzureAccessToken()}
	if r := w.runCmd(sh, ""); r.code != 0 {
		t.Fatalf("docs/ci.md's Azure token step failed (%d): %s", r.code, r.stderr)
	}
	tok, r := w.gitFill()
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("git credential fill after the Azure step: %d %s", r.code, r.stderr)
	}
	if st := w.run("", "status"); !strings.Contains(st.stdout, fakeppm.AzureSubject) {
		t.Errorf("status does not show the Azure subject: %q", st.stdout)
	}
	w.assertNoSecretsLeaked(tok)
}

// readmeAzureTokenStep is the body of docs/ci.md's Azure Pipelines step
// that fetches the OIDC token.
func readmeAzureTokenStep(t *testing.T) string {
	t.Helper()
	lines := strings.Split(readmeRecipe(t, "\n## Azure Pipelines\n"), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) != "- script: |" || i+1 >= len(lines) || !strings.Contains(lines[i+1], "System.OidcRequestUri") && !strings.Contains(lines[i+1], "curl -fsS -X POST") {
			continue
		}
		indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
		var body []string
		for _, b := range lines[i+1:] {
			if len(b)-len(strings.TrimLeft(b, " ")) < indent {
				break
			}
			body = append(body, b[indent:])
		}
		return strings.Join(body, "\n")
	}
	t.Fatal("docs/ci.md's Azure recipe has no step asking System.OidcRequestUri for the token")
	return ""
}

// readmeRecipe is docs/ci.md from the CI recipe under the heading title on.
func readmeRecipe(t *testing.T, title string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("docs", "ci.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), title)
	if !ok {
		t.Fatalf("docs/ci.md has no %q recipe", strings.TrimSpace(title))
	}
	return rest
}
