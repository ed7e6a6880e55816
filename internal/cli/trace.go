package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/redact"
	"github.com/posit-dev/git-credential-ppm/internal/termtext"
)

// tracer writes PPM_CREDENTIAL_TRACE lines. Every line passes through
// redact.Text, so a token that slipped into a message is still not written,
// and termtext.Escape, so that text from elsewhere (a service string, a
// server's answer) can neither drive the terminal nor forge a trace line.
type tracer struct {
	mu sync.Mutex
	w  io.Writer
}

// openTracer interprets PPM_CREDENTIAL_TRACE: "" or "0" → off; "1" or
// "true" → stderr; anything else is a file path to append to (0600).
func openTracer(setting string, stderr io.Writer) *tracer {
	switch strings.ToLower(strings.TrimSpace(setting)) {
	case "", "0", "false", "no", "off":
		return nil
	case "1", "true", "yes", "on", "2":
		return &tracer{w: stderr}
	}
	f, err := os.OpenFile(setting, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		fmt.Fprintf(stderr, "git-credential-ppm: cannot open the trace file PPM_CREDENTIAL_TRACE=%s: %v; tracing to stderr\n", setting, err)
		return &tracer{w: stderr}
	}
	return &tracer{w: f}
}

func (t *tracer) printf(format string, args ...any) {
	if t == nil {
		return
	}
	line := termtext.Escape(redact.Text(fmt.Sprintf(format, args...)))
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, "%s git-credential-ppm[%d]: %s\n", time.Now().Format("15:04:05.000"), os.Getpid(), line)
}
