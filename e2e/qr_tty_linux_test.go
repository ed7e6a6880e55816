//go:build linux

package e2e

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
	"github.com/posit-dev/git-credential-ppm/internal/testing/qrtest"
	"github.com/posit-dev/git-credential-ppm/internal/testing/testtool"
)

// onTerminal is the helper running on a pseudo-terminal (script(1)) with
// no browser and no desktop, its terminal output captured as it comes.
type onTerminal struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan error
}

func (o *onTerminal) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.Write(p)
}

func (o *onTerminal) text() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.out.String()
}

// startOnTerminal runs `git-credential-ppm ARGS` on a pseudo-terminal; stty
// runs first on it when not empty (e.g. "cols 40").
func startOnTerminal(t *testing.T, w *world, stty string, args ...string) *onTerminal {
	t.Helper()
	script := testtool.Need(t, "script")
	w.set("GIT_TERMINAL_PROMPT", "")
	for _, k := range []string{"DISPLAY", "WAYLAND_DISPLAY", "SSH_CONNECTION", "SSH_TTY"} {
		w.set(k, "")
	}
	inner := helperBin + " " + strings.Join(args, " ")
	if stty != "" {
		inner = "stty " + stty + " && " + inner
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	o := &onTerminal{done: make(chan error, 1)}
	o.cmd = exec.CommandContext(ctx, script, "-q", "-e", "-c", inner, "/dev/null")
	o.cmd.Env = w.env
	o.cmd.Dir = w.home
	o.cmd.Stdout, o.cmd.Stderr = o, o
	if err := o.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { o.done <- o.cmd.Wait() }()
	return o
}

// waitFor waits until the terminal shows want, failing after 30 s.
func (o *onTerminal) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if s := o.text(); strings.Contains(s, want) {
			return s
		}
		select {
		case err := <-o.done:
			o.done <- err
			if s := o.text(); strings.Contains(s, want) {
				return s
			}
			t.Fatalf("the helper ended (%v) without showing %q; the terminal showed:\n%s", err, want, o.text())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the terminal did not show %q within 30 s; it showed:\n%s", want, o.text())
	return ""
}

// wait waits for the helper to end and returns its exit status.
func (o *onTerminal) wait(t *testing.T) int {
	t.Helper()
	err := <-o.done
	o.done <- err
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("the helper on the terminal: %v", err)
	}
	return 0
}

var shownCode = regexp.MustCompile(`enter the code ([A-Z0-9-]+)`)

// TestLoginQRCodeOnRemoteTerminal: a login on a terminal with no browser
// (as over SSH) shows the URL and code and, beneath them, a QR code that
// decodes to exactly the verification_uri_complete; opening what the code
// says, as a phone would, approves the login, and the helper signs in.
func TestLoginQRCodeOnRemoteTerminal(t *testing.T) {
	qrtest.Zbarimg(t)
	w := newWorld(t, fakeppm.Options{})
	w.set("BROWSER", "")
	o := startOnTerminal(t, w, "", "login")
	screen := o.waitFor(t, "Waiting for approval")
	m := shownCode.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no user code on the terminal:\n%s", screen)
	}
	want := w.ppm.ApproveURL(m[1])
	if !strings.Contains(screen, "open "+want+"\r\n") {
		t.Errorf("the terminal does not show the URL %s as text:\n%s", want, screen)
	}
	lines := qrtest.Find(screen)
	got := qrtest.Decode(t, lines, false)
	if got != want {
		t.Fatalf("the QR code on the terminal reads %q; want verification_uri_complete %q", got, want)
	}
	if cols := utf8.RuneCountInString(lines[0]); cols > 80 || cols != 33+8 {
		t.Errorf("the QR code is %d columns wide; want 41 (33 modules of version 4 and a 4-module quiet zone), within 80", cols)
	}
	if i, j := strings.Index(screen, want), strings.Index(screen, lines[0]); j < i {
		t.Errorf("the QR code is not beneath the URL:\n%s", screen)
	}
	resp, err := http.Get(got) // the phone opens what it read
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("opening the scanned URL: %s", resp.Status)
	}
	if code := o.wait(t); code != 0 || !strings.Contains(o.text(), "Signed in.") {
		t.Fatalf("login after the scan: exit %d, terminal:\n%s", code, o.text())
	}
	if n := w.ppm.Counts().Exchange; n != 1 {
		t.Errorf("%d token exchanges; want 1", n)
	}
}

// TestLoginQRCodeNarrowTerminal: on a 40-column terminal the same code is
// drawn with a narrower quiet zone (3 modules) and still reads back.
func TestLoginQRCodeNarrowTerminal(t *testing.T) {
	qrtest.Zbarimg(t)
	w := newWorld(t, fakeppm.Options{AutoApprove: true})
	w.set("BROWSER", "")
	o := startOnTerminal(t, w, "cols 40", "login")
	o.wait(t)
	screen := o.text()
	m := shownCode.FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no user code on the terminal:\n%s", screen)
	}
	lines := qrtest.Find(screen)
	if got := qrtest.Decode(t, lines, false); got != w.ppm.ApproveURL(m[1]) {
		t.Fatalf("the QR code reads %q; want %q", got, w.ppm.ApproveURL(m[1]))
	}
	if cols := utf8.RuneCountInString(lines[0]); cols != 33+6 {
		t.Errorf("on 40 columns the QR code is %d columns wide; want 39", cols)
	}
}

// TestLoginNoQRCode: no QR code when a browser opened the page, with
// PPM_CREDENTIAL_QR=0, or when the prompt does not go to a terminal (a
// browser that fails leaves the person only the printed URL there) — the
// URL and code are printed in every case.
func TestLoginNoQRCode(t *testing.T) {
	failingBrowser := func(w *world) { w.withBrowserScript("failing-browser.sh", "exit 3") }
	for _, c := range []struct {
		name     string
		opts     fakeppm.Options
		setup    func(w *world)
		terminal bool
		qr       bool
	}{
		{"browser opened", fakeppm.Options{}, func(w *world) { w.withBrowser() }, true, false},
		{"PPM_CREDENTIAL_QR=0", fakeppm.Options{AutoApprove: true}, func(w *world) { w.set("BROWSER", ""); w.set("PPM_CREDENTIAL_QR", "0") }, true, false},
		{"not a terminal", fakeppm.Options{AutoApprove: true}, failingBrowser, false, false},
		{"control: a failing browser on a terminal", fakeppm.Options{AutoApprove: true}, failingBrowser, true, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.opts)
			c.setup(w)
			var code int
			var screen string
			if c.terminal {
				o := startOnTerminal(t, w, "", "login")
				code, screen = o.wait(t), o.text()
			} else {
				r := w.run("", "login")
				code, screen = r.code, r.stderr
			}
			if code != 0 || !shownCode.MatchString(screen) {
				t.Fatalf("login: exit %d; want 0 and the URL and code printed:\n%s", code, screen)
			}
			lines := qrtest.Find(screen)
			if !c.qr && (lines != nil || strings.ContainsAny(screen, "▀▄█")) {
				t.Errorf("a QR code was shown:\n%s", screen)
			}
			if c.qr && lines == nil {
				t.Errorf("no QR code was shown:\n%s", screen)
			}
		})
	}
}
