package clients

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
)

// What pip does with a repository URL, by pip version. Read from pip's
// src/pip/_internal/network/auth.py at each release tag; the next pip
// release that changes one is one line here.
var (
	// --keyring-provider (auto, import, subprocess, disabled) exists from
	// pip 23.1 on; older pips only import keyring in their own Python
	// (auth.py get_keyring_provider, added in 23.1).
	pipProviderOption = Versions{From: "23.1"}
	// The subprocess provider runs `keyring get SERVICE USER` only when the
	// index URL names a user; without one it asks nothing. pip 26.2 runs
	// `keyring --mode=creds --output=json get SERVICE [USER]` instead
	// (KeyRingCliProvider.get_auth_info; pip#12543, pip PR #14150).
	pipSubprocessNeedsUser = Versions{From: "23.1", Before: "26.2"}
	// --no-input (PIP_NO_INPUT) switches keyring off: before 23.1 always
	// (handle_401 returns at once when not prompting), from 23.1 unless a
	// provider other than auto is named (MultiDomainBasicAuth.use_keyring;
	// pip#11020).
	pipNoInputAlwaysOff = Versions{Before: "23.1"}
	pipNoInputAutoOff   = Versions{From: "23.1"}
	// A netrc entry for the host is sent on the first request; keyring is
	// asked only after that gets a 401 (_get_new_credentials: URL, index
	// URL, netrc, then keyring; all versions).
	pipNetrcFirst = Versions{}
)

// Explain: for each pip found, what it does with the target URL.
func (Pip) Explain(e *Env, t *Target) []Finding {
	pips, _ := findPips(e)
	if len(pips) == 0 {
		return nil
	}
	probes := make([]pipProbe, len(pips))
	var wg sync.WaitGroup
	for i, pi := range pips {
		wg.Add(1)
		go func() {
			defer wg.Done()
			probes[i] = probePip(e, pi)
		}()
	}
	wg.Wait()
	var out []Finding
	for i, pi := range pips {
		out = append(out, explainPip(e, t, pi, probes[i])...)
	}
	return out
}

func explainPip(e *Env, t *Target, pi pipInstall, p pipProbe) []Finding {
	f := &findings{client: "pip"}
	name := pi.name
	f.ok("executable", "%s is pip %s (%s)", name, pi.version, pi.location)
	f.note("configuration", "%s reads %s", name, p.config.sources())

	// The index this URL is fetched through.
	index, indexSet := p.config.get("index-url")
	indexURL := ""
	if indexSet && t.underAddress(index.value) {
		indexURL = index.value
		f.ok("index", "%s: index-url = %s (from %s)", name, safeURL(index.value), index.origin())
	} else if extra, ok := p.config.get("extra-index-url"); ok {
		for _, u := range strings.Fields(extra.value) {
			if t.underAddress(u) {
				index, indexURL = extra, u
				f.ok("index", "%s: extra-index-url = %s (from %s)", name, safeURL(u), extra.origin())
				break
			}
		}
	}
	if indexURL == "" {
		indexURL = t.URL.String()
		index = pipSetting{}
		f.note("index", "%s: its configuration names no index on %s, so it fetches there only when told on the command line (--index-url %s); to make it the default: pip config set global.index-url %s", name, t.URL.Host, t.suggestedIndex(), t.suggestedIndex())
	}
	user, password := urlUser(indexURL)
	if t.HasPassword && indexURL == t.URL.String() {
		password = true
	}
	if password {
		fix := "remove the password from the index URL"
		if index.value != "" {
			fix = fixSetting(index, "index-url", withTokenUser(indexURL))
		}
		f.bad("password in URL", fix, "%s: the index URL carries a password, which pip sends instead of asking keyring (and which ends up in logs)", name)
	}

	// Which keyring pip asks, if any.
	provider := "auto"
	prov, provSet := p.config.get("keyring-provider")
	if provSet {
		provider = strings.ToLower(prov.value)
	}
	noInput := false
	ni, niSet := p.config.get("no-input")
	if niSet {
		noInput = boolValue(ni.value)
	}
	py := p.py
	importable := p.pyErr == nil && py.Keyring
	switch {
	case !pipProviderOption.Has(pi.version):
		if noInput && pipNoInputAlwaysOff.Has(pi.version) {
			f.bad("no-input", "unset it: "+unsetFix(ni, "no-input"), "%s: no-input is on (%s) and pip %s never asks keyring then", name, ni.origin(), pi.version)
		}
		explainImportKeyring(f, name, py, importable, "or use a pip of 23.1 or later with keyring-provider = subprocess")
	case provider == "disabled":
		f.bad("keyring provider", fixSetting(prov, "keyring-provider", "subprocess"), "%s: keyring-provider = disabled (%s): pip asks no keyring", name, prov.origin())
	default:
		if noInput && provider == "auto" && pipNoInputAutoOff.Has(pi.version) {
			f.bad("no-input", "pip config set global.keyring-provider subprocess (pip asks a provider named explicitly even with --no-input)", "%s: no-input is on (%s) and keyring-provider is auto, so pip asks no keyring (pip#11020)", name, ni.origin())
		}
		mode := provider
		if provider == "auto" || provider == "import" {
			if importable {
				mode = "import"
			} else if provider == "auto" {
				mode = "subprocess"
			}
		}
		switch mode {
		case "import":
			f.ok("keyring provider", "%s: keyring-provider = %s: pip imports keyring in %s", name, provider, py.Python)
			explainImportKeyring(f, name, py, importable, "")
			if last := &f.list[len(f.list)-1]; provider == "auto" && !last.OK {
				last.Fix += " (or have pip run this helper's keyring command instead: pip config set global.keyring-provider subprocess)"
			}
		case "subprocess":
			src := "no keyring module in its Python"
			if provSet {
				src = prov.origin()
			}
			f.ok("keyring provider", "%s: runs the `keyring` command (keyring-provider = %s, %s)", name, provider, src)
			keyringCommand(e, f, name, py.Scripts)
			explainPipUser(f, name, pi.version, user, index, indexURL)
		default:
			f.bad("keyring provider", fixSetting(prov, "keyring-provider", "subprocess"), "%s: keyring-provider = import, but its Python (%s) has no keyring module", name, py.Python)
		}
	}
	if pipNetrcFirst.Has(pi.version) {
		netrcRule(f, t, e.netrcPath(), "is sent first by pip; it asks keyring only after that gets a 401")
	}
	return f.list
}

// explainPipUser: the subprocess provider's user name rule.
func explainPipUser(f *findings, name, version, user string, index pipSetting, indexURL string) {
	want := withTokenUser(indexURL)
	fix := "use " + want + " (--index-url on the command line)"
	if index.value != "" {
		fix = fixSetting(index, "index-url", want)
	}
	switch {
	case user == "__token__":
		f.ok("user name", "%s: the index URL names the user __token__, which keyring is asked for", name)
	case user != "":
		f.bad("user name", fix, "%s: the index URL names the user %q; this helper answers only for __token__", name, user)
	case pipSubprocessNeedsUser.Has(version):
		f.bad("user name", fix, "%s: pip %s asks the keyring command only for a user named in the index URL, and this one names none (fixed in pip 26.2)", name, version)
	default:
		f.ok("user name", "%s: pip %s asks the keyring command without a user name (--mode=creds)", name, version)
	}
}

// explainImportKeyring: pip (or twine) imports the keyring library; our
// wheel's backend must be installed in that Python.
// When the client has no other way to keyring, alt is the other fix
// (else "").
func explainImportKeyring(f *findings, name string, py pyKeyringState, importable bool, alt string) {
	install := py.Python + " -m pip install git-credential-ppm"
	who := ""
	if name != f.client {
		who = name + ": "
	}
	switch {
	case py.Python == "":
		f.bad("keyring backend", "run it by hand to see why: "+name+" debug", "%sits Python could not be run to look for keyring", who)
	case !importable && alt != "":
		f.bad("keyring backend", install+" ("+alt+")", "%sit only imports keyring, and %s has none", who, py.Python)
	case !importable:
	case !py.Backend:
		f.bad("keyring backend", install, "%s%s imports keyring without the git-credential-ppm backend, so keyring has no token for it", who, py.Python)
	case py.Error != "":
		f.bad("keyring backend", install+" --force-reinstall", "%sthe git-credential-ppm backend in %s cannot serve (%s)", who, py.Python, strings.TrimSpace(py.Error))
	default:
		f.ok("keyring backend", "%s%s has the git-credential-ppm backend (it runs %s)", who, py.Python, py.Binary)
	}
}

// unsetFix undoes a boolean setting where it is set.
func unsetFix(s pipSetting, key string) string {
	if s.env != "" {
		return "unset " + s.env
	}
	lines, _, _ := readLines(s.file)
	if idx, _ := findKey(lines, s.section, key); idx >= 0 {
		return "delete line " + strconv.Itoa(idx+1) + " of " + s.file
	}
	return "remove " + key + " from [" + s.section + "] in " + s.file
}

// keyringCommand: the `keyring` a client runs — the first on PATH, pip
// skipping its own environment's scripts directory — must be this helper
// or a Python keyring with our backend.
func keyringCommand(e *Env, f *findings, name, skipDir string) {
	first := ""
	for _, d := range e.pathDirs() {
		if skipDir != "" && sameDir(d, skipDir) {
			continue
		}
		if p := pathlook.In(d, KeyringName(), e.Getenv("PATHEXT")); p != "" {
			first = p
			break
		}
	}
	switch {
	case first == "":
		f.bad("keyring command", "git-credential-ppm setup", "%s: no `keyring` on PATH", name)
	case IsOurs(first, e.Self):
		f.ok("keyring command", "%s: `keyring` on PATH is this helper (%s)", name, first)
	case isPythonScript(first) && hasOurBackend(e, first):
		f.ok("keyring command", "%s: `keyring` on PATH is %s, a Python keyring with the git-credential-ppm backend", name, first)
	default:
		fix := "put the directory of this helper's keyring link earlier on PATH than " + filepath.Dir(first) + " (git-credential-ppm setup makes the link)"
		if isPythonScript(first) {
			fix += ", or install the backend there: " + pythonOfScript(first) + " -m pip install git-credential-ppm"
		}
		f.bad("keyring command", fix, "%s: `keyring` on PATH is %s, not this helper, and it has no token for Package Manager", name, describeKeyring(first))
	}
}

// sameDir reports whether two directory names are the same directory.
func sameDir(a, b string) bool {
	if a == b {
		return true
	}
	x, err1 := os.Stat(a)
	y, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(x, y)
}

// pythonOfScript is the interpreter on a script's #! line.
func pythonOfScript(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return "python3"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(fields) == 0 {
		return "python3"
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 {
		return fields[1]
	}
	return fields[0]
}
