package clients

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// What uv does with a repository URL, by uv version. Read from uv's
// crates/uv-auth/src/middleware.rs, crates/uv-client/src/base_client.rs and
// its changelogs; the next uv release that changes one is one line here.
var (
	// The subprocess keyring is asked only when the index URL (or
	// UV_INDEX_<NAME>_USERNAME) names a user (0.1.33 "Breaking changes",
	// middleware.rs "Skipping keyring fetch … without username"; uv#16174).
	uvKeyringNeedsUser = Versions{From: "0.1.33"}
	// … or when the index says authenticate = "always", which runs
	// `keyring get URL --mode creds` (0.6.9, PR #12316).
	uvAuthenticateAlways = Versions{From: "0.6.9"}
	// A netrc entry (NETRC, else ~/.netrc) is taken before the keyring is
	// asked (middleware.rs fetch_credentials: token store, netrc, text
	// store, native store, then keyring; all versions with keyring).
	uvNetrcFirst = Versions{}
	// A non-empty SSL_CERT_FILE or SSL_CERT_DIR replaces uv's roots (the
	// system's or webpki's) — from 0.12.0 even when nothing can be loaded
	// from it, so every https request fails (0.12.0 "Honor explicit
	// certificate overrides …", PR #20741; base_client.rs tls_certs_only).
	uvCertOverrideReplaces   = Versions{From: "0.11.0"}
	uvCertOverrideEvenBroken = Versions{From: "0.12.0"}
	// UV_NATIVE_TLS is deprecated for UV_SYSTEM_CERTS (0.11.0 added
	// --system-certs; 0.11.9 "Mark --native-tls and UV_NATIVE_TLS as
	// deprecated"; crates/uv-static/src/env_vars.rs).
	uvNativeTLSDeprecated = Versions{From: "0.11.9"}
	// A virtual environment's own `keyring` (Python's, installed with
	// twine) comes first on PATH under `uv run` or an activated venv and
	// answers instead of this helper (uv#12042; all versions).
	uvVenvKeyringShadows = Versions{}
)

// uvIndex is one index uv knows, and where it was configured.
type uvIndex struct {
	url          string
	name         string
	authenticate string
	origin       string // file or variable
	file         string // the file, when it came from one
}

// uvVersion runs `uv --version` ("uv 0.12.5 (abc 2026-08-20)").
func uvVersion(e *Env, uv string) string {
	out, err := e.output(uv, "--version")
	if err != nil {
		return ""
	}
	fields := strings.Fields(string(out))
	if len(fields) >= 2 {
		return fields[1]
	}
	return ""
}

// uvConfigFiles lists the uv configuration files in force, most
// important first: UV_CONFIG_FILE alone when set; else the project's
// (uv.toml, or pyproject.toml with [tool.uv], nearest the working
// directory), the user's and the system's. UV_NO_CONFIG: none.
func uvConfigFiles(e *Env) []string {
	if e.Getenv("UV_NO_CONFIG") != "" {
		return nil
	}
	if p := e.Getenv("UV_CONFIG_FILE"); p != "" {
		return []string{p}
	}
	var out []string
	for d := e.Dir; d != ""; {
		if p := filepath.Join(d, "uv.toml"); exists(p) {
			out = append(out, p)
			break
		}
		if p := filepath.Join(d, "pyproject.toml"); exists(p) {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), "[tool.uv") {
				out = append(out, p)
				break
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			break
		}
		d = parent
	}
	out = append(out, uvConfigPath(e))
	if runtime.GOOS != "windows" {
		out = append(out, "/etc/uv/uv.toml")
	}
	return out
}

// uvSettings reads one uv configuration file: the top-level table of a
// uv.toml, [tool.uv] of a pyproject.toml.
func uvSettings(path string) map[string]any {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	doc := map[string]any{}
	if err := toml.Unmarshal(b, &doc); err != nil {
		return nil
	}
	if filepath.Base(path) == "pyproject.toml" {
		tool, _ := doc["tool"].(map[string]any)
		uv, _ := tool["uv"].(map[string]any)
		return uv
	}
	return doc
}

// uvIndexes lists the indexes uv uses, from the environment and the
// files, and the keyring-provider in force with its origin.
func uvIndexes(e *Env) (list []uvIndex, provider, providerFrom string) {
	provider = "disabled"
	for _, v := range []string{"UV_INDEX", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL"} {
		for _, item := range strings.Fields(e.Getenv(v)) {
			name, u, ok := strings.Cut(item, "=")
			if !ok || strings.Contains(name, "/") {
				name, u = "", item
			}
			list = append(list, uvIndex{url: u, name: name, origin: v})
		}
	}
	if v := e.Getenv("UV_KEYRING_PROVIDER"); v != "" {
		provider, providerFrom = strings.ToLower(v), "UV_KEYRING_PROVIDER"
	}
	for _, f := range uvConfigFiles(e) {
		s := uvSettings(f)
		if s == nil {
			continue
		}
		if v, ok := s["keyring-provider"].(string); ok && providerFrom == "" {
			provider, providerFrom = strings.ToLower(v), f
		}
		var tables []map[string]any // [[index]] decodes as a list of maps; index = [{…}] as a list of values
		switch idx := s["index"].(type) {
		case []map[string]any:
			tables = idx
		case []any:
			for _, it := range idx {
				if m, ok := it.(map[string]any); ok {
					tables = append(tables, m)
				}
			}
		}
		for _, m := range tables {
			u, _ := m["url"].(string)
			name, _ := m["name"].(string)
			auth, _ := m["authenticate"].(string)
			if u != "" {
				list = append(list, uvIndex{url: u, name: name, authenticate: auth, origin: f, file: f})
			}
		}
		for _, k := range []string{"index-url", "extra-index-url"} {
			switch v := s[k].(type) {
			case string:
				list = append(list, uvIndex{url: v, origin: f, file: f})
			case []any:
				for _, x := range v {
					if u, ok := x.(string); ok {
						list = append(list, uvIndex{url: u, origin: f, file: f})
					}
				}
			}
		}
	}
	return list, provider, providerFrom
}

// uvUserVar is the variable uv reads an index's user name from.
func uvUserVar(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "UV_INDEX_" + b.String() + "_USERNAME"
}

// lineOf is the 1-based line of path holding s, or 0.
func lineOf(path, s string) int {
	lines, _, _ := readLines(path)
	for i, l := range lines {
		if strings.Contains(l, s) {
			return i + 1
		}
	}
	return 0
}

// Explain: what uv does with the target URL.
func (u UV) Explain(e *Env, t *Target) []Finding {
	uv := e.LookPath("uv")
	if uv == "" {
		return nil
	}
	f := &findings{client: "uv"}
	version := uvVersion(e, uv)
	if version == "" {
		f.note("executable", "%s does not say its version (uv --version); the rules of the newest uv are applied", uv)
	} else {
		f.ok("executable", "%s is uv %s", uv, version)
	}
	list, provider, providerFrom := uvIndexes(e)
	var files []string
	for _, p := range uvConfigFiles(e) {
		if exists(p) {
			files = append(files, p)
		}
	}
	for _, v := range []string{"UV_CONFIG_FILE", "UV_NO_CONFIG", "UV_KEYRING_PROVIDER", "UV_INDEX", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "SSL_CERT_FILE", "SSL_CERT_DIR", "UV_NATIVE_TLS", "UV_SYSTEM_CERTS"} {
		if e.Getenv(v) != "" {
			files = append(files, v)
		}
	}
	if len(files) == 0 {
		files = append(files, "no configuration file, no UV_* variable")
	}
	f.note("configuration", "uv reads %s", strings.Join(files, ", "))
	if provider != "subprocess" {
		from := "its default"
		if providerFrom != "" {
			from = providerFrom
		}
		f.bad("keyring provider", "git-credential-ppm setup (or: export UV_KEYRING_PROVIDER=subprocess)", "keyring-provider is %s (%s): uv asks no keyring", provider, from)
	} else {
		f.ok("keyring provider", "keyring-provider = subprocess (from %s)", providerFrom)
		keyringCommand(e, f, "uv", "")
		if uvVenvKeyringShadows.Has(version) {
			uvVenvKeyring(e, f)
		}
	}

	var index *uvIndex
	for i := range list {
		if t.underAddress(list[i].url) {
			index = &list[i]
			break
		}
	}
	suggested := t.suggestedIndex()
	if index == nil {
		f.bad("index", "export UV_INDEX="+suggested+" (or an [[index]] with that url in "+uvConfigPath(e)+")", "no uv index on %s is configured (UV_INDEX, UV_DEFAULT_INDEX, uv.toml, pyproject.toml)", t.URL.Host)
	} else {
		f.ok("index", "index %s (from %s)", safeURL(index.url), index.origin)
		user, password := urlUser(index.url)
		userFrom := "the index URL"
		if user == "" && index.name != "" {
			if v := e.Getenv(uvUserVar(index.name)); v != "" {
				user, userFrom = v, uvUserVar(index.name)
			}
		}
		fix := "export " + index.origin + "=" + withTokenUser(index.url)
		if index.file != "" {
			fix = "write the url as \"" + withTokenUser(index.url) + "\""
			if n := lineOf(index.file, index.url); n > 0 {
				fix += " at line " + strconv.Itoa(n)
			}
			fix += " of " + index.file
			if uvAuthenticateAlways.Has(version) && index.name != "" {
				fix += `, or add authenticate = "always" to that [[index]]`
			}
		}
		switch {
		case password:
			f.bad("password in URL", fix, "the index URL carries a password, which uv sends instead of asking keyring")
		case user == "__token__":
			f.ok("user name", "uv asks keyring for the user __token__ (from %s)", userFrom)
		case user != "":
			f.bad("user name", fix, "uv asks keyring for the user %q (from %s); this helper answers only for __token__", user, userFrom)
		case index.authenticate == "always" && uvAuthenticateAlways.Has(version):
			f.ok("user name", `authenticate = "always": uv asks keyring with --mode creds and takes the user from the answer`)
		case uvKeyringNeedsUser.Has(version):
			f.bad("user name", fix, "the index names no user, and uv asks keyring only for a user it knows (uv#16174)")
		}
	}
	if uvNetrcFirst.Has(version) {
		netrcRule(f, t, e.netrcPath(), "is taken by uv before it asks keyring, which it then never asks")
	}
	uvCertificates(e, f, t, version)
	return f.list
}

// uvVenvKeyring: a virtual environment's own keyring shadows ours.
func uvVenvKeyring(e *Env, f *findings) {
	var venvs []string
	if v := e.Getenv("VIRTUAL_ENV"); v != "" {
		venvs = append(venvs, v)
	}
	if e.Dir != "" {
		venvs = append(venvs, filepath.Join(e.Dir, ".venv"))
	}
	bin := "bin"
	if runtime.GOOS == "windows" {
		bin = "Scripts"
	}
	for _, v := range venvs {
		p := filepath.Join(v, bin, KeyringName())
		if !exists(p) || IsOurs(p, e.Self) || (isPythonScript(p) && hasOurBackend(e, p)) {
			continue
		}
		f.bad("venv keyring", filepath.Join(v, bin, "python")+" -m pip install git-credential-ppm (its backend then answers), or uninstall keyring there",
			"%s comes first on PATH under `uv run` or with %s activated, and it has no token for Package Manager (uv#12042)", describeKeyring(p), v)
		return
	}
}

// uvCertificates: SSL_CERT_FILE / SSL_CERT_DIR replace uv's roots.
func uvCertificates(e *Env, f *findings, t *Target, version string) {
	if e.Getenv("UV_NATIVE_TLS") != "" && uvNativeTLSDeprecated.Has(version) {
		f.note("certificates", "UV_NATIVE_TLS is deprecated in uv %s; instead: export UV_SYSTEM_CERTS=1 && unset UV_NATIVE_TLS", version)
	}
	for _, v := range []string{"SSL_CERT_FILE", "SSL_CERT_DIR"} {
		p := e.Getenv(v)
		if p == "" || !uvCertOverrideReplaces.Has(version) {
			continue
		}
		if pool := loadCertificates(p); pool != nil {
			if err := verifyChain(pool, t); err != nil {
				f.bad("certificates", "make "+v+" a bundle of the system's authorities and yours, e.g. cat /etc/ssl/certs/ca-certificates.crt your-ca.pem > ~/ca-bundle.pem && export SSL_CERT_FILE=~/ca-bundle.pem",
					"%s=%s replaces uv's certificate authorities, and %s's certificate does not verify against it (%v)", v, p, t.URL.Hostname(), err)
			} else {
				f.note("certificates", "%s=%s replaces uv's certificate authorities (the system's are not used): it must hold the one that signed the server's certificate", v, p)
			}
			continue
		}
		if uvCertOverrideEvenBroken.Has(version) {
			f.bad("certificates", "point "+v+" at a PEM file (directory) that holds your certificate authority, or: unset "+v, "%s=%s holds no certificate uv can read, and uv %s then trusts no server at all", v, p, version)
		} else {
			f.note("certificates", "%s=%s holds no certificate uv can read; uv %s ignores it with a warning", v, p, version)
		}
	}
}

// loadCertificates returns the certificates in p (a PEM file, or a
// directory of them) as a pool, or nil when it holds none.
func loadCertificates(p string) *x509.CertPool {
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	files := []string{p}
	if fi.IsDir() {
		entries, _ := os.ReadDir(p)
		files = files[:0]
		for _, en := range entries {
			files = append(files, filepath.Join(p, en.Name()))
		}
	}
	pool, any := x509.NewCertPool(), false
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && pool.AppendCertsFromPEM(b) {
			any = true
		}
	}
	if !any {
		return nil
	}
	return pool
}

// verifyChain checks the server's chain (when doctor read it) against
// pool alone, as a client that trusts only pool would.
func verifyChain(pool *x509.CertPool, t *Target) error {
	if len(t.Chain) == 0 {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range t.Chain[1:] {
		inter.AddCert(c)
	}
	_, err := t.Chain[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, DNSName: t.URL.Hostname()})
	return err
}
