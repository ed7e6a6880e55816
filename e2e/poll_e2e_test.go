package e2e

import (
	"strings"
	"testing"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

// A login whose checks meet a failing proxy in front of Package Manager
// (device_access answers 502 twice) is not over: the helper waits the
// outage out, says so once, and takes the person's approval after it.
func TestDeviceFlowRidesOutAnOutage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, fakeppm.Options{DeviceAccessOutage: 2}).withBrowser()
	r := w.run(gitRequest("http", hostOf(w.ppm.URL()), ""), "get")
	tok := attr(r.stdout, "password")
	if r.code != 0 || !w.ppm.ValidToken(tok) {
		t.Fatalf("get through an outage of the login checks: code %d stdout %q stderr %q; want a token", r.code, r.stdout, r.stderr)
	}
	if n := strings.Count(r.stderr, "still waiting for the approval"); n != 1 || !strings.Contains(r.stderr, "/__api__/device_access answered 502 Bad Gateway") {
		t.Errorf("stderr %q; want one line naming the 502 and saying the login goes on", r.stderr)
	}
	if c := w.ppm.Counts(); c.DeviceAccess < 3 || c.Device != 1 || c.Approved != 1 || c.Exchange != 1 || c.SlowDown != 0 {
		t.Errorf("counts %+v; want one device flow, 2 failed checks and more, one approval, one exchange, no slow_down", c)
	}
	w.assertNoSecretsLeaked(tok)
}
