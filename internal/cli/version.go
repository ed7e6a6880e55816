package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// buildFacts is what `version` reports: each field empty when unknown.
type buildFacts struct {
	version  string // release version without a leading "v", or "dev"
	commit   string // full commit hash
	date     string // commit (or build) time, RFC 3339
	modified bool   // built from a work tree with uncommitted changes
}

// readBuildFacts combines the values stamped with -ldflags with the build
// information Go embeds in every binary. A stamped value wins; otherwise a
// `go install module@v1.2.3` build gives its module version, and a build in
// a git checkout gives vcs.revision, vcs.time and vcs.modified.
func readBuildFacts(stamped, stampedCommit, stampedDate string, bi *debug.BuildInfo) buildFacts {
	f := buildFacts{version: stamped, commit: stampedCommit, date: stampedDate}
	if bi == nil {
		return f
	}
	if (f.version == "" || f.version == "dev") && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		f.version = strings.TrimPrefix(bi.Main.Version, "v")
	}
	stampedRevision := f.commit != ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if f.commit == "" {
				f.commit = s.Value
			}
		case "vcs.time":
			if f.date == "" {
				f.date = s.Value
			}
		case "vcs.modified":
			f.modified = !stampedRevision && s.Value == "true"
		}
	}
	return f
}

// String is the line `git-credential-ppm version` prints, e.g.
//
//	git-credential-ppm 1.2.3 (commit 0123456789ab, 2026-12-01T08:00:00Z, go1.26.8, linux/amd64)
func (f buildFacts) String() string {
	v := f.version
	if v == "" {
		v = "dev"
	}
	var parts []string
	if f.commit != "" {
		c := f.commit
		if len(c) > 12 {
			c = c[:12]
		}
		if f.modified {
			c += " with uncommitted changes"
		}
		parts = append(parts, "commit "+c)
	}
	if f.date != "" {
		parts = append(parts, f.date)
	}
	parts = append(parts, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	return "git-credential-ppm " + v + " (" + strings.Join(parts, ", ") + ")"
}

// versionLine describes this binary for `git-credential-ppm version`.
func versionLine(b Build) string {
	bi, _ := debug.ReadBuildInfo()
	return readBuildFacts(b.Version, b.Commit, b.Date, bi).String()
}
