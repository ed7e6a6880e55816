package clients

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// PythonKeyring checks the Python keyring library of the python on PATH,
// which pip (its import mode), twine, pdm, hatch and poetry use in-process:
// whether the backend of our wheel is installed there and finds its
// binary. setup installs no Python packages, so Apply and Undo do nothing;
// the line says what to run.
type PythonKeyring struct{}

// Name is "python keyring".
func (PythonKeyring) Name() string { return "python keyring" }

// Apply changes nothing: installing the wheel is pip's job.
func (PythonKeyring) Apply(*Session) (bool, error) { return false, nil }

// Undo changes nothing.
func (PythonKeyring) Undo(*Session) error { return nil }

// pyKeyringProbe prints what Check (and PositKeyring's check) needs as
// JSON: the versions of our wheel and posit-keyring installed there, and
// whether keyring and our backend import. It asks no backend for anything.
const pyKeyringProbe = `import json, sys, sysconfig
out = {"python": sys.executable, "scripts": sysconfig.get_path("scripts"), "prefix": sys.prefix, "venv": sys.prefix != getattr(sys, "base_prefix", sys.prefix), "keyring": False, "backend": False}
try:
    from importlib import metadata
    for dist, key in (("git-credential-ppm", "wheel"), ("posit-keyring", "posit_keyring")):
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
except Exception:
    pass
try:
    import keyring
    out["keyring"] = True
    from importlib import metadata
    eps = metadata.entry_points()
    group = eps.select(group="keyring.backends") if hasattr(eps, "select") else eps.get("keyring.backends", [])
    out["backend"] = any(ep.value.split(":")[0].split(".")[0] == "git_credential_ppm" for ep in group)
    if out["backend"]:
        import git_credential_ppm as g
        out["binary"] = g.binary()
        try:
            g.Keyring.priority
        except Exception as exc:
            out["error"] = str(exc)
except Exception as exc:
    out.setdefault("error", str(exc))
print(json.dumps(out))
`

type pyKeyringState struct {
	Python  string `json:"python"`
	Venv    bool   `json:"venv"`
	Prefix  string `json:"prefix"`
	Scripts string `json:"scripts"` // the environment's scripts directory, which pip skips looking for keyring
	Keyring bool   `json:"keyring"`
	Backend bool   `json:"backend"`
	Binary  string `json:"binary"`
	Error   string `json:"error"`
	// Wheel and PositKeyring are the installed versions of our wheel and
	// of posit-keyring, "" when not installed.
	Wheel        string `json:"wheel"`
	PositKeyring string `json:"posit_keyring"`
}

// keyringRequirement is what our wheel requires of keyring
// (internal/wheel's Requires-Dist), quoted for any shell.
const keyringRequirement = `"keyring>=23.9"`

// pythonOnPath is the python pip and twine run with: python3 first on
// PATH, or python on Windows; "" when there is none.
func (e *Env) pythonOnPath() string {
	py := e.LookPath("python3")
	if py == "" && runtime.GOOS == "windows" {
		py = e.LookPath("python")
	}
	return py
}

// pyProbe runs pyKeyringProbe with py; during CheckAll once per python
// (PythonKeyring and PositKeyring both read it: one Python start).
func (e *Env) pyProbe(py string) (pyKeyringState, error) {
	if p, ok := e.probes[py]; ok {
		return p.st, p.err
	}
	out, err := e.output(py, "-c", pyKeyringProbe)
	var st pyKeyringState
	if err == nil {
		if jerr := json.Unmarshal(out, &st); jerr != nil {
			err = fmt.Errorf("its answer is not the check's JSON: %w", jerr)
		}
	}
	if e.probes != nil {
		e.probes[py] = probeResult{st, err}
	}
	return st, err
}

type probeResult struct {
	st  pyKeyringState
	err error
}

// Check runs the python first on PATH (python3, or python on Windows).
// Inside a virtual environment every fix it names is the exact command
// for that environment's python.
func (PythonKeyring) Check(e *Env) Report {
	var r Report
	py := e.pythonOnPath()
	if py == "" {
		r.add(Note, "python keyring: no python3 on PATH (skipped)")
		return r
	}
	st, err := e.pyProbe(py)
	if err != nil {
		r.add(Note, "python keyring: %s did not run the check (%v); skipped", py, err)
		return r
	}
	install := st.Python + " -m pip install git-credential-ppm"
	switch {
	case !st.Keyring && st.Wheel != "":
		// An older wheel, when keyring was only an extra.
		r.add(Problem, "python keyring: %s has the git-credential-ppm wheel (%s) but no keyring module, so pip and twine there never ask its backend; install it: %s -m pip install %s", st.Python, st.Wheel, st.Python, keyringRequirement)
	case !st.Keyring && st.Venv:
		r.add(Unwired, "python keyring: the virtual environment %s has neither keyring nor the git-credential-ppm backend, so pip and twine there get no token from them; install both: %s", st.Prefix, install)
	case !st.Keyring:
		r.add(Note, "python keyring: %s has no keyring module, so pip's import mode and twine there never ask one (skipped)", st.Python)
	case !st.Backend:
		r.add(Unwired, "python keyring: %s has keyring without the git-credential-ppm backend, so twine and pip there get no token from it; install it there: %s", st.Python, install)
	case st.Error != "":
		r.add(Problem, "python keyring: the git-credential-ppm backend in %s cannot serve (%s); reinstall it: %s --force-reinstall", st.Python, strings.TrimSpace(st.Error), install)
	default:
		r.Wired = true
		r.add(OK, "python keyring: %s has the git-credential-ppm backend (it runs %s)", st.Python, st.Binary)
		if !IsOurs(st.Binary, e.Self) {
			r.add(Note, "python keyring: that binary is not this helper (%s); both read the same store, but their versions may differ", e.Self)
		}
	}
	return r
}

// scriptPython is the python a script's #! line runs ("#!/usr/bin/env
// python3" looked up in the injected PATH), or "".
func scriptPython(e *Env, script string) string {
	f, err := os.Open(script)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "#!"))
	switch {
	case len(fields) == 0 || !strings.HasPrefix(line, "#!"):
		return ""
	case filepath.Base(fields[0]) == "env" && len(fields) > 1:
		return e.LookPath(fields[1])
	}
	return fields[0]
}

// inVenv reports whether python belongs to a virtual environment (a
// pyvenv.cfg beside its bin/ or Scripts\ directory).
func inVenv(python string) bool {
	return python != "" && exists(filepath.Join(filepath.Dir(filepath.Dir(python)), "pyvenv.cfg"))
}

// pythonKeyringFix is the end of doctor's line about a Python keyring
// first on PATH: in a virtual environment, the exact command that gives
// that keyring our backend; a system keyring is best left behind our link
// (which hands it every call that is not ours).
func pythonKeyringFix(e *Env, keyring string) string {
	py := scriptPython(e, keyring)
	if !inVenv(py) {
		return " (our link hands every call that is not for Package Manager on to " + keyring + ", so nothing of yours is lost)"
	}
	if st, err := e.pyProbe(py); err == nil && st.Wheel != "" && !st.Backend {
		return ", or reinstall the wheel there: " + py + " -m pip install --force-reinstall git-credential-ppm"
	}
	return ", or give that environment our backend: " + py + " -m pip install git-credential-ppm"
}
