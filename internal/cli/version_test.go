package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildFacts(t *testing.T) {
	vcs := func(rev, tm, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: tm}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	tail := ", " + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"
	tests := []struct {
		name                  string
		stamped, commit, date string
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"no build info", "dev", "", "", nil, "git-credential-ppm dev (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
		{"release build: stamped values win over build info", "1.2.3", rev, "2026-12-01T08:00:00Z",
			&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("ffffffffffff", "2020-01-01T00:00:00Z", "true")},
			"git-credential-ppm 1.2.3 (commit 0123456789ab, 2026-12-01T08:00:00Z" + tail},
		{"go install module@v1.4.0", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}},
			"git-credential-ppm 1.4.0 (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
		{"go install of a pseudo-version", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201080000-0123456789ab"}},
			"git-credential-ppm 0.0.0-20261201080000-0123456789ab (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH + ")"},
		{"go build in a clean checkout", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "false")},
			"git-credential-ppm dev (commit 0123456789ab, 2026-11-30T10:00:00Z" + tail},
		{"go build with uncommitted changes", "dev", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "2026-11-30T10:00:00Z", "true")},
			"git-credential-ppm dev (commit 0123456789ab with uncommitted changes, 2026-11-30T10:00:00Z" + tail},
		{"snapshot version stays as stamped", "0.0.0-SNAPSHOT-0123456", rev, "", &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}},
			"git-credential-ppm 0.0.0-SNAPSHOT-0123456 (commit 0123456789ab" + tail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readBuildFacts(tt.stamped, tt.commit, tt.date, tt.bi).String()
			if got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestVersionCommand(t *testing.T) {
	var out strings.Builder
	e := &invocation{args: []string{"git-credential-ppm", "version"}, getenv: func(string) string { return "" }, stdout: &out, stderr: &out}
	if code := dispatch(t.Context(), e); code != 0 {
		t.Fatalf("version exited %d: %s", code, out.String())
	}
	if !strings.HasPrefix(out.String(), "git-credential-ppm ") || !strings.HasSuffix(out.String(), runtime.GOOS+"/"+runtime.GOARCH+")\n") {
		t.Errorf("version printed %q", out.String())
	}
}
