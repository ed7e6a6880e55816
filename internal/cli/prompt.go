package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/posit-dev/git-credential-ppm/internal/termtext"
	"github.com/posit-dev/git-credential-ppm/tokens"
)

// prompter reaches the person during a login: the terminal device when
// there is one (stdout carries the protocol and stderr may be captured by
// pip or uv), else stderr; and the browser when one can be opened.
type prompter struct {
	inv *invocation
	// How the terminal and the browser are reached (the platform's, wired
	// in compose.go).
	openTerminal   func() (io.ReadWriteCloser, error)
	browserCommand func() (argv []string, ok bool, why string)
	openBrowser    func(ctx context.Context, argv []string, url string) error

	once    sync.Once
	tty     io.ReadWriteCloser // nil when there is no terminal
	out     io.Writer          // where messages go
	live    bool               // out is a terminal: a countdown may redraw a line
	browser []string
	noWhy   string // why no browser

	mu      sync.Mutex
	stopped chan struct{}
	wg      sync.WaitGroup
}

func (p *prompter) init() {
	p.once.Do(func() {
		p.out = p.inv.stderr
		if tty, err := p.openTerminal(); err == nil {
			p.tty, p.out, p.live = tty, tty, true
		}
		if !p.live && isTerminal(p.inv.stderr) {
			p.live = true
		}
		argv, ok, why := p.browserCommand()
		if ok {
			p.browser = argv
		} else {
			p.noWhy = why
		}
	})
}

// CanReach: a terminal or a browser reaches the person.
func (p *prompter) CanReach() (bool, string) {
	p.init()
	if p.tty != nil || p.browser != nil {
		return true, ""
	}
	why := "no terminal and no browser"
	if p.noWhy != "" {
		why += ", " + p.noWhy
	}
	return false, why
}

func (p *prompter) say(format string, args ...any) {
	p.init()
	fmt.Fprintf(p.out, format+"\n", args...)
}

// ShowCode prints the verification URL and code, opens the browser, and
// keeps a countdown line up to date on a terminal.
func (p *prompter) ShowCode(ctx context.Context, address string, da tokens.LoginCode) {
	p.init()
	// The code and the URIs come from the server: shown escaped, opened
	// in the browser as they are.
	show := tokens.LoginCode{
		UserCode:                termtext.Escape(da.UserCode),
		VerificationURI:         termtext.Escape(da.VerificationURI),
		VerificationURIComplete: termtext.Escape(da.VerificationURIComplete),
	}
	address = termtext.Escape(address)
	p.say("To sign in to Posit Package Manager at %s:", address)
	// The browser first, so the lines can say whether it opened.
	opened, failed := false, ""
	if p.browser != nil {
		target := da.VerificationURIComplete
		if target == "" {
			target = da.VerificationURI
		}
		if err := p.openBrowser(ctx, p.browser, target); err != nil {
			failed = termtext.Escape(err.Error())
		} else {
			opened = true
			p.inv.tracef("opened the browser with %s", p.browser[0])
		}
	}
	if failed != "" {
		p.say("  could not open a browser: %s", failed)
	}
	switch {
	case opened && show.VerificationURIComplete != "":
		p.say("  opened in your browser — if it did not open, go to %s", show.VerificationURIComplete)
		p.say("  (or go to %s and enter the code %s)", show.VerificationURI, show.UserCode)
	case opened:
		p.say("  opened in your browser — if it did not open, go to %s and enter the code %s", show.VerificationURI, show.UserCode)
	case show.VerificationURIComplete != "":
		p.say("  open %s", show.VerificationURIComplete)
		p.say("  (or open %s and enter the code %s)", show.VerificationURI, show.UserCode)
	default:
		p.say("  open %s and enter the code %s", show.VerificationURI, show.UserCode)
	}
	for _, line := range loginQR(p.inv.getenv, p.out, p.live, opened, da.VerificationURIComplete) {
		p.say("%s", line)
	}
	p.mu.Lock()
	p.stopped = make(chan struct{})
	stopped := p.stopped
	p.mu.Unlock()
	if !p.live {
		p.say("Waiting for approval (the code expires in %s) …", time.Until(da.ExpiresAt).Round(time.Second))
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			left := time.Until(da.ExpiresAt).Round(time.Second)
			if left < 0 {
				left = 0
			}
			fmt.Fprintf(p.out, "\r\x1b[KWaiting for approval … %d:%02d left (Ctrl-C cancels)", int(left.Minutes()), int(left.Seconds())%60)
			select {
			case <-ctx.Done():
				fmt.Fprint(p.out, "\r\x1b[K")
				return
			case <-stopped:
				fmt.Fprint(p.out, "\r\x1b[K")
				return
			case <-tick.C:
			}
		}
	}()
}

// Done stops the countdown and says how the login ended.
func (p *prompter) Done(err error) {
	p.mu.Lock()
	if p.stopped != nil {
		close(p.stopped)
		p.stopped = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
	if err == nil {
		p.say("Signed in.")
	}
}

// Waiting says once that another process holds the login lock.
func (p *prompter) Waiting(address string, pid int) {
	if pid > 0 {
		p.say("git-credential-ppm: waiting for the login in progress, pid %d (%s)", pid, address)
	} else {
		p.say("git-credential-ppm: waiting for the login in progress (%s)", address)
	}
}

// Warn prints a one-line note on stderr.
func (p *prompter) Warn(msg string) {
	p.inv.errorf("%s", msg)
}

// isTerminal reports whether v is an *os.File open on a terminal.
func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
