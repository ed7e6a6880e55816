package testtool

import (
	"fmt"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how the test would have ended.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

func TestNeedFindsATool(t *testing.T) {
	if p := Need(t, "sh"); !strings.HasSuffix(p, "/sh") {
		t.Fatalf("Need(sh) = %q", p)
	}
}

func TestMissingToolFailsUnderCIAndSkipsElsewhere(t *testing.T) {
	const missing = "no-such-tool-ppm-test"
	t.Setenv("CI", "true")
	r := &recorder{}
	if p := NeedFrom(r, missing, "some-package"); p != "" || r.skip != "" ||
		r.fatal != missing+" is not installed; .ci/run must install some-package" {
		t.Fatalf("under CI=true: path %q, fatal %q, skip %q", p, r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	r = &recorder{}
	if p := Need(r, missing); p != "" || r.fatal != "" ||
		r.skip != "SKIPPING: "+missing+" is not installed on this machine (CI installs it)" {
		t.Fatalf("on a laptop: path %q, fatal %q, skip %q", p, r.fatal, r.skip)
	}
}
