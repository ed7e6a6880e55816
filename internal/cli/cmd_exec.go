package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
	"github.com/posit-dev/git-credential-ppm/protocol"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// execMinValidity: a token with less left is renewed before exec, so a long
// upload does not outlive it.
const execMinValidity = 10 * time.Minute

// execEnvNames are the variables exec sets; any inherited values are
// replaced.
var execEnvNames = []string{"TWINE_USERNAME", "TWINE_PASSWORD", "UV_PUBLISH_USERNAME", "UV_PUBLISH_PASSWORD", "PACKAGEMANAGER_TOKEN"}

// runExec runs a command with the token in its environment (twine, uv
// publish, anything reading PACKAGEMANAGER_TOKEN) and a netrc file (NETRC,
// R_DEFAULT_NETRC) removed when it has ended, passing stdio through,
// forwarding signals, and exiting with the command's status.
func runExec(ctx context.Context, inv *invocation, args []string) error {
	fs := newFlags(inv, "exec")
	address := fs.String("address", "", "Package Manager address (when several are configured)")
	if stop, err := parseFlags(inv, fs, args); stop {
		return err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return usagef("exec: no command given; usage: git-credential-ppm exec [--address URL] -- CMD [ARGS…]")
	}
	addr, err := execAddress(inv, *address)
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	t, err := inv.token(ctx, addr, tokens.Options{MinValidity: execMinValidity})
	if err != nil {
		return err
	}
	path, err := execPath(inv, argv[0])
	if err != nil {
		inv.errorf("exec: cannot run %s: %v", argv[0], err)
		return withStatus(exitNotFound)
	}
	// R and curl read the token from a netrc file, removed when the child
	// has ended; from here on the signals runChild forwards no longer end
	// this process before that.
	held := make(chan os.Signal, 1)
	signal.Notify(held, forwardedSignals...)
	defer signal.Stop(held)
	dir, netrc, err := writeExecNetrc(inv, addr, t.Value)
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = execEnv(inv.environment(), t.Value, netrc)
	return runChild(inv, cmd, "exec: ")
}

// The shell's statuses for a command it cannot run: not found (127),
// found but not startable (126).
const (
	exitNotFound    = 127
	exitCannotStart = 126
	exitSignalBase  = 128 // + the signal that killed the child
)

// forwardedSignals are those runChild passes to the child: Ctrl-C,
// SIGTERM, a closed terminal (SIGHUP) and Ctrl-\ (SIGQUIT).
var forwardedSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// runChild runs cmd with the invocation's stdio, forwarding
// forwardedSignals to it instead of dying (the child decides: twine
// cleans up, a shell script traps); its exit status becomes ours, silently
// (126 when it cannot be started, with one line prefixed by what).
func runChild(inv *invocation, cmd *exec.Cmd, what string) error {
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inv.stdin, inv.stdout, inv.stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		inv.errorf("%scannot run %s: %v", what, cmd.Args[0], err)
		return withStatus(exitCannotStart)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	return withStatus(childStatus(err))
}

// execAddress picks the address: --address, which must be configured, else
// the only configured one. No address configured is a failure; an
// unconfigured --address, or several addresses without one, is a usage
// error.
func execAddress(inv *invocation, flagValue string) (protocol.Address, error) {
	if flagValue != "" {
		a, err := inv.configuredAddress(flagValue)
		if err != nil {
			return protocol.Address{}, addressError(fmt.Errorf("--address %w", err))
		}
		return a, nil
	}
	list, err := inv.configured()
	switch {
	case err != nil:
		return protocol.Address{}, err
	case len(list) > 1:
		return protocol.Address{}, usagef("several addresses are configured (%s); choose one with --address", list)
	}
	return list[0], nil
}

// execEnv returns base without the variables exec sets, plus them: the
// token's and those naming the netrc file.
func execEnv(base []string, token, netrc string) []string {
	names := append(append([]string(nil), execEnvNames...), execNetrcNames...)
	out := make([]string, 0, len(base)+len(names))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		skip := false
		for _, n := range names {
			if strings.EqualFold(name, n) {
				skip = true
				break
			}
		}
		if !skip {
			out = append(out, kv)
		}
	}
	return append(out,
		"TWINE_USERNAME=__token__", "TWINE_PASSWORD="+token,
		"UV_PUBLISH_USERNAME=__token__", "UV_PUBLISH_PASSWORD="+token,
		"PACKAGEMANAGER_TOKEN="+token,
		"NETRC="+netrc, "R_DEFAULT_NETRC="+netrc)
}

// childStatus maps the child's end to our exit status: its own status, or
// 128+signal when a signal killed it (the shell's convention).
func childStatus(err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return exitFailure
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return exitSignalBase + int(ws.Signal())
	}
	return ee.ExitCode()
}

// execPath finds the command to run the way a shell would, but in the
// invocation's PATH (and PATHEXT on Windows), not the process's: a name
// with a directory part is taken as given; a bare name found only through a
// relative PATH entry (".", "bin") is refused, as Go's exec.LookPath does,
// so that the directory someone happens to be in cannot supply the program
// that receives the token.
func execPath(inv *invocation, name string) (string, error) {
	if pathlook.HasDir(name) {
		return exec.LookPath(name) // a path: PATH is not consulted
	}
	p := pathlook.Find(inv.getenv, name)
	switch {
	case p == "":
		return "", errors.New("not found in PATH")
	case !filepath.IsAbs(p):
		return "", fmt.Errorf("found only through the relative PATH entry %q; give its path (./%s) or make the entry absolute", filepath.Dir(p), name)
	}
	return p, nil
}
