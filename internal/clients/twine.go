package clients

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Twine is explained, not wired: twine takes its password from
// TWINE_PASSWORD (which `git-credential-ppm exec -- twine upload …` sets)
// or from the keyring library in its own Python (where our wheel's
// backend answers). setup changes nothing for it and doctor without a URL
// says nothing about it.
type Twine struct{ CheckOnly }

// Name is "twine".
func (Twine) Name() string { return "twine" }

// Check has nothing to say without a URL.
func (Twine) Check(*Env) Report { return Report{} }

// What twine does with a repository URL. Read from twine's auth.py,
// utils.py (get_userpass_value) and settings.py.
var (
	// The password comes from -p / TWINE_PASSWORD first, then the
	// repository's password in .pypirc, and only then from keyring
	// (utils.get_userpass_value: cli value, config, then the keyring
	// prompt strategy; all versions).
	twinePasswordOrder = Versions{}
)

// pypircSection is one section of a .pypirc with the lines of its keys.
type pypircSection struct {
	name   string
	values map[string]string
	lines  map[string]int
}

// parsePypirc reads a .pypirc (INI: [section], key = value or key: value).
func parsePypirc(text string) []pypircSection {
	var out []pypircSection
	for i, l := range splitLines(text) {
		t := strings.TrimSpace(l)
		switch {
		case t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";"):
		case strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]"):
			out = append(out, pypircSection{name: strings.TrimSpace(t[1 : len(t)-1]), values: map[string]string{}, lines: map[string]int{}})
		case len(out) > 0:
			k, v, ok := strings.Cut(t, "=")
			if c := strings.IndexByte(t, ':'); c >= 0 && (!ok || c < len(k)) {
				k, v, ok = t[:c], t[c+1:], true
			}
			if ok {
				k = strings.ToLower(strings.TrimSpace(k))
				out[len(out)-1].values[k] = strings.TrimSpace(v)
				out[len(out)-1].lines[k] = i + 1
			}
		}
	}
	return out
}

// Explain: where twine would take its credentials for the target URL.
func (Twine) Explain(e *Env, t *Target) []Finding {
	twine := e.LookPath("twine")
	if twine == "" {
		return nil
	}
	f := &findings{client: "twine"}
	version := ""
	if out, err := e.output(twine, "--version"); err == nil {
		fields := strings.Fields(string(out))
		if len(fields) >= 3 && fields[1] == "version" {
			version = fields[2]
		}
	}
	f.ok("executable", "%s is twine %s", twine, version)
	user, userFrom := "", ""
	if v := e.Getenv("TWINE_USERNAME"); v != "" {
		user, userFrom = v, "TWINE_USERNAME"
	}
	passwordSet := false
	if twinePasswordOrder.Has(version) {
		if v := e.Getenv("TWINE_PASSWORD"); v != "" {
			passwordSet = true
			if t.served(v) {
				f.ok("password", "TWINE_PASSWORD holds the token this helper serves now (as `git-credential-ppm exec` sets it)")
			} else {
				f.bad("password", "unset TWINE_PASSWORD, then run twine as: git-credential-ppm exec -- twine upload --repository-url "+t.URL.String()+" …",
					"TWINE_PASSWORD is set in the environment and wins over keyring, and it is not the token this helper serves")
			}
		}
		rc := filepath.Join(e.Home, ".pypirc")
		if b, err := os.ReadFile(rc); err == nil {
			for _, s := range parsePypirc(string(b)) {
				repo := s.values["repository"]
				if repo == "" || !t.underAddress(repo) {
					continue
				}
				if u := s.values["username"]; u != "" && userFrom == "" {
					user, userFrom = u, rc+" ["+s.name+"] line "+strconv.Itoa(s.lines["username"])
				}
				if p, ok := s.values["password"]; ok && !passwordSet {
					passwordSet = true
					if !t.served(p) {
						f.bad("password", "delete line "+strconv.Itoa(s.lines["password"])+" of "+rc,
							"%s [%s] line %d sets a password for %s, which twine uses instead of asking keyring", rc, s.name, s.lines["password"], repo)
					}
				}
			}
		}
	}
	switch {
	case user == "" || user == "__token__":
	case userFrom == "TWINE_USERNAME":
		f.bad("user name", "export TWINE_USERNAME=__token__", "twine asks keyring for the user %q (TWINE_USERNAME); this helper answers only for __token__", user)
	default:
		f.bad("user name", "change "+userFrom+" to: username = __token__", "twine asks keyring for the user %q (%s); this helper answers only for __token__", user, userFrom)
	}
	if passwordSet {
		return f.list
	}
	py := pythonOfScript(twine)
	if !filepath.IsAbs(py) {
		py = e.LookPath(py)
	}
	var st pyKeyringState
	if py != "" {
		if out, err := e.output(py, "-c", pyKeyringProbe); err == nil && json.Unmarshal(out, &st) == nil {
			explainImportKeyring(f, "twine", st, st.Keyring, "or run twine as: git-credential-ppm exec -- twine upload …")
			return f.list
		}
	}
	f.bad("keyring backend", "run twine as: git-credential-ppm exec -- twine upload --repository-url "+t.URL.String()+" …", "cannot run twine's Python (%s) to look for its keyring", twine)
	return f.list
}
