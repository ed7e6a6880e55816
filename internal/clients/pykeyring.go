package clients

import (
	"encoding/json"
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

// pyKeyringProbe prints what Check needs as JSON. It imports keyring and
// our backend but asks no backend for anything.
const pyKeyringProbe = `import json, sys
out = {"python": sys.executable, "keyring": False, "backend": False}
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
	Keyring bool   `json:"keyring"`
	Backend bool   `json:"backend"`
	Binary  string `json:"binary"`
	Error   string `json:"error"`
}

// Check runs the python first on PATH (python3, or python on Windows).
func (PythonKeyring) Check(e *Env) Report {
	var r Report
	py := e.LookPath("python3")
	if py == "" && runtime.GOOS == "windows" {
		py = e.LookPath("python")
	}
	if py == "" {
		r.add(Note, "python keyring: no python3 on PATH (skipped)")
		return r
	}
	out, err := e.output(py, "-c", pyKeyringProbe)
	var st pyKeyringState
	if err != nil || json.Unmarshal(out, &st) != nil {
		r.add(Note, "python keyring: %s did not run the check (%v); skipped", py, err)
		return r
	}
	install := st.Python + " -m pip install git-credential-ppm"
	switch {
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
