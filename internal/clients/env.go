package clients

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
	"github.com/posit-dev/git-credential-ppm/platform"
	"github.com/posit-dev/git-credential-ppm/protocol"
)

// Env is the process state wiring looks at, injected so tests run in a
// temporary HOME with a PATH of their own.
type Env struct {
	// Getenv reads the environment (HOME, PATH, XDG_CONFIG_HOME, …). PATH
	// lookups use it, never the process's own PATH.
	Getenv func(string) string
	// Environ is the environment of the programs wiring runs (git, pip);
	// nil means this process's.
	Environ []string
	// Home is the home directory.
	Home string
	// Self is this program's executable, symbolic links resolved.
	Self string
	// Addresses are the configured Package Manager addresses.
	Addresses []protocol.Address
	// Dir is the working directory, where project configuration (uv's
	// pyproject.toml, a .venv) is looked for; "" for none.
	Dir string
	// ToolTimeout bounds each run of git or pip (0: 30 s).
	ToolTimeout time.Duration

	wired  map[string]bool
	probes map[string]probeResult // pyProbe's answers by python, during CheckAll
}

// NewEnv fills an Env from getenv: the home directory (USERPROFILE on
// Windows, else HOME) and self, this program's path.
func NewEnv(getenv func(string) string, self string, addresses []protocol.Address) (*Env, error) {
	home, err := platform.HomeDir(getenv)
	if err != nil {
		return nil, err
	}
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	return &Env{Getenv: getenv, Home: home, Self: self, Addresses: addresses}, nil
}

// Wired reports whether a client that CheckAll already visited is wired.
func (e *Env) Wired(name string) bool { return e.wired[name] }

func (e *Env) setWired(name string, v bool) {
	if e.wired == nil {
		e.wired = map[string]bool{}
	}
	e.wired[name] = v
}

// pathDirs is the injected PATH, split.
func (e *Env) pathDirs() []string { return pathlook.Dirs(e.Getenv("PATH")) }

// LookPath finds an executable named name in the injected PATH (with
// PATHEXT's extensions on Windows), or returns "".
func (e *Env) LookPath(name string) string { return pathlook.Find(e.Getenv, name) }

// errTimedOut: a tool did not finish within Env.ToolTimeout.
var errTimedOut = errors.New("did not finish")

// defaultToolTimeout bounds each run of git or pip: a hung tool must not
// hang setup or doctor without a word.
const defaultToolTimeout = 30 * time.Second

// output runs prog with args in e's environment (stdin empty) and returns
// its stdout; the error carries the first line of its stderr, or says the
// program did not finish in time.
func (e *Env) output(prog string, args ...string) ([]byte, error) {
	limit := e.ToolTimeout
	if limit <= 0 {
		limit = defaultToolTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.WaitDelay = time.Second
	if e.Environ != nil {
		cmd.Env = e.Environ
	}
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	what := filepath.Base(prog) + " " + strings.Join(args, " ")
	if ctx.Err() != nil {
		return out, fmt.Errorf("%s %w within %s; run it by hand to see why", what, errTimedOut, limit)
	}
	if err != nil {
		if msg, _, _ := strings.Cut(strings.TrimSpace(errb.String()), "\n"); msg != "" {
			return out, fmt.Errorf("%s: %w: %s", what, err, msg)
		}
		return out, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// configDir is the per-user configuration directory of a client that
// follows XDG on Unix and uses %APPDATA% on Windows.
func (e *Env) configDir() string {
	if runtime.GOOS == "windows" {
		if a := e.Getenv("APPDATA"); a != "" {
			return a
		}
	}
	if x := e.Getenv("XDG_CONFIG_HOME"); x != "" {
		return x
	}
	return filepath.Join(e.Home, ".config")
}

// exists reports whether something (even a dangling link) is at p.
func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
