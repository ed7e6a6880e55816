// Package browser opens the verification URL of a device login in the
// person's browser: which command (BROWSER, the desktop's opener, none over
// SSH) and running it detached from the terminal.
package browser

import (
	"context"
	"errors"
	"fmt"
	"github.com/posit-dev/git-credential-ppm/internal/pathlook"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// browserGrace is how long Open waits for the browser command to
// exit before it lets it run on its own.
const browserGrace = time.Second

// Command decides how to open the verification URL in the person's
// browser (docs/contract.md §2 BROWSER). goos is runtime.GOOS (a parameter for tests).
//
//   - BROWSER set: a list of commands separated by ':' (';' on Windows), as
//     xdg-utils and Python's webbrowser read it; the first whose program is
//     found is used. A command may carry arguments (quoted as in a shell) and
//     "%s" where the URL goes; without "%s" the URL is appended. BROWSER is
//     honoured over SSH too.
//   - Unset, over SSH (SSH_CONNECTION, SSH_CLIENT or SSH_TTY set): no
//     browser, the browser would open on the remote machine, if anywhere.
//   - macOS: open. Windows: rundll32 url.dll,FileProtocolHandler.
//   - WSL (WSL_DISTRO_NAME or WSL_INTEROP set, or /proc/version mentions
//     Microsoft): the Windows browser, through wslview when installed, else
//     cmd.exe /c start.
//   - Linux and the BSDs: xdg-open when DISPLAY or WAYLAND_DISPLAY is set and
//     xdg-open is installed; otherwise no browser.
//
// argv may contain "%s"; pass it to Open. When ok is false, why says
// in a few words, with no advice (the caller adds the fix that fits), why
// there is no browser, e.g. "connected over SSH".
func Command(getenv func(string) string, goos string) (argv []string, ok bool, why string) {
	find := func(name string) (string, error) {
		if p := pathlook.Find(getenv, name); p != "" {
			return p, nil
		}
		return "", errors.New("not found in PATH")
	}
	argv, ok, why = browserCommand(browserEnv{
		getenv:   getenv,
		goos:     goos,
		lookPath: find,
		isWSL:    func() bool { return goos == "linux" && runtime.GOOS == "linux" && procVersionIsWSL() },
	})
	// The program as the injected PATH finds it, so that starting it does
	// not consult the process's own PATH.
	if ok && goos == runtime.GOOS {
		if p, err := find(argv[0]); err == nil {
			argv = append([]string{p}, argv[1:]...)
		}
	}
	return argv, ok, why
}

// browserEnv is what the browser decision depends on, so that tests can
// play any platform.
type browserEnv struct {
	getenv   func(string) string
	goos     string
	lookPath func(string) (string, error)
	isWSL    func() bool // /proc/version says WSL (asked only on Linux)
}

func browserCommand(e browserEnv) ([]string, bool, string) {
	if b := strings.TrimSpace(e.getenv("BROWSER")); b != "" {
		return browserFromEnv(e, b)
	}
	if e.getenv("SSH_CONNECTION") != "" || e.getenv("SSH_CLIENT") != "" || e.getenv("SSH_TTY") != "" {
		return nil, false, "connected over SSH"
	}
	switch e.goos {
	case "darwin":
		return []string{"open"}, true, ""
	case "windows":
		return []string{"rundll32", "url.dll,FileProtocolHandler"}, true, ""
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly", "solaris", "illumos":
		if e.goos == "linux" && (e.getenv("WSL_DISTRO_NAME") != "" || e.getenv("WSL_INTEROP") != "" || e.isWSL()) {
			if _, err := e.lookPath("wslview"); err == nil {
				return []string{"wslview"}, true, ""
			}
			if _, err := e.lookPath("cmd.exe"); err == nil {
				return []string{"cmd.exe", "/c", "start", "%s"}, true, ""
			}
			return nil, false, "on WSL without wslview or cmd.exe on PATH"
		}
		if e.getenv("DISPLAY") == "" && e.getenv("WAYLAND_DISPLAY") == "" {
			return nil, false, "no display: DISPLAY and WAYLAND_DISPLAY are unset"
		}
		if _, err := e.lookPath("xdg-open"); err != nil {
			return nil, false, "xdg-open is not installed"
		}
		return []string{"xdg-open"}, true, ""
	}
	return nil, false, "no known way to open a browser on " + e.goos
}

// browserFromEnv picks the first command of the BROWSER list whose program
// exists.
func browserFromEnv(e browserEnv, list string) ([]string, bool, string) {
	sep := ":"
	if e.goos == "windows" {
		sep = ";"
	}
	var missing []string
	for entry := range strings.SplitSeq(list, sep) {
		argv, err := splitCommand(strings.TrimSpace(entry), e.goos != "windows")
		if err != nil {
			missing = append(missing, fmt.Sprintf("%q: %v", entry, err))
			continue
		}
		if len(argv) == 0 {
			continue
		}
		if _, err := e.lookPath(argv[0]); err != nil {
			missing = append(missing, argv[0])
			continue
		}
		return argv, true, ""
	}
	if len(missing) == 0 {
		return nil, false, "BROWSER names no command"
	}
	return nil, false, "BROWSER names no command that can be found: " + strings.Join(missing, ", ")
}

// splitCommand splits a command line into words the way a POSIX shell
// does for quoting: blanks separate words, '…' is literal, "…" groups, and
// (when backslashes is true; not on Windows, where they separate path
// elements) \ escapes. No expansion of any kind.
func splitCommand(s string, backslashes bool) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated '")
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if backslashes && s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\\\"$`\n", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New(`unterminated "`)
			}
			inWord = true
		case backslashes && c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// browserArgs puts url into argv: in place of every "%s", or at the end when
// there is none. cmd.exe gets the characters it treats specially escaped.
func browserArgs(argv []string, url string) []string {
	base := strings.ToLower(filepath.Base(strings.ReplaceAll(argv[0], `\`, "/")))
	if base == "cmd" || base == "cmd.exe" {
		url = cmdEscaper().Replace(url)
	}
	out := make([]string, 0, len(argv)+1)
	placed := false
	for _, a := range argv {
		if strings.Contains(a, "%s") {
			a = strings.ReplaceAll(a, "%s", url)
			placed = true
		}
		out = append(out, a)
	}
	if !placed {
		out = append(out, url)
	}
	return out
}

// cmdEscaper escapes what cmd.exe would otherwise read as operators in an
// unquoted argument (built when needed, not at every start).
func cmdEscaper() *strings.Replacer {
	return strings.NewReplacer("^", "^^", "&", "^&", "|", "^|", "<", "^<", ">", "^>", "(", "^(", ")", "^)")
}

// Open runs argv (from Command) with url in it, with no stdio
// and in its own process group, so that it neither prints over the prompt nor
// dies with the terminal's Ctrl-C. It waits about a second: a command that
// exits with an error in that time, or cannot be started, returns an error
// for the caller to print as a note (the login goes on); one still running
// then is left to run (many browsers stay in the foreground) and reaped
// when it exits. The URL must hold no secret: it is visible in the process
// list (a verification URL holds only the user code).
func Open(ctx context.Context, argv []string, url string) error {
	return openBrowser(ctx, argv, url, browserGrace)
}

func openBrowser(ctx context.Context, argv []string, url string, grace time.Duration) error {
	if len(argv) == 0 {
		return errors.New("no browser command")
	}
	args := browserArgs(argv, url)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil // the null device
	if d, err := os.Stat("/mnt/c"); err == nil && d.IsDir() && strings.EqualFold(filepath.Base(args[0]), "cmd.exe") {
		cmd.Dir = "/mnt/c" // WSL: cmd.exe warns about a Linux working directory
	}
	detachBrowser(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start the browser command %s: %w", args[0], err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }() // reaps the child whenever it exits
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("the browser command %s failed: %w", args[0], err)
		}
		return nil
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return nil
	}
}

// procVersionIsWSL reports whether /proc/version names Microsoft's kernel
// (WSL 1 and 2).
func procVersionIsWSL() bool {
	b, err := os.ReadFile("/proc/version")
	return err == nil && strings.Contains(strings.ToLower(string(b)), "microsoft")
}
