package wheel

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	release    = `(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)`
	semverRE   = regexp.MustCompile(`^v?` + release + `(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$`)
	preRE      = regexp.MustCompile(`^(alpha|a|beta|b|rc|c)\.?(0|[1-9][0-9]*)?$`)
	snapshotRE = regexp.MustCompile(`^SNAPSHOT(?:-([0-9A-Za-z]+))?$`)
	localRE    = regexp.MustCompile(`^[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*$`)
)

// PEP440 converts a release version as git tags and GoReleaser spell it
// (semantic versioning, an optional leading "v") to the PEP 440 version a
// wheel carries:
//
//	v1.2.3                    → 1.2.3
//	1.2.3-rc.1, 1.2.3-rc1     → 1.2.3rc1   (alpha/a → a, beta/b → b, rc/c → rc)
//	0.0.1-SNAPSHOT-abc1234    → 0.0.1.dev0+abc1234
//	1.2.3+build.5             → 1.2.3+build.5
//
// A snapshot becomes a development release with the commit as its local
// version label; PyPI refuses local versions, so a snapshot wheel can never
// be uploaded there by mistake. Any other pre-release is an error rather
// than a guess.
func PEP440(v string) (string, error) {
	m := semverRE.FindStringSubmatch(v)
	if m == nil {
		return "", fmt.Errorf("version %q is not MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]: pass the release tag, e.g. v1.2.3", v)
	}
	out := m[1] + "." + m[2] + "." + m[3]
	pre, build := m[4], m[5]
	switch {
	case pre == "":
	case snapshotRE.MatchString(pre):
		out += ".dev0"
		if c := snapshotRE.FindStringSubmatch(pre)[1]; c != "" {
			if build != "" {
				return "", fmt.Errorf("version %q has both a snapshot commit and build metadata: keep one", v)
			}
			build = c
		}
	case preRE.MatchString(pre):
		p := preRE.FindStringSubmatch(pre)
		n := p[2]
		if n == "" {
			n = "0"
		}
		out += map[string]string{"alpha": "a", "a": "a", "beta": "b", "b": "b", "rc": "rc", "c": "rc"}[p[1]] + n
	default:
		return "", fmt.Errorf("version %q has the pre-release %q, which has no PEP 440 spelling here: use -alpha.N, -beta.N, -rc.N or -SNAPSHOT-<commit>", v, pre)
	}
	if build != "" {
		local := strings.ReplaceAll(strings.ToLower(build), "-", ".")
		if !localRE.MatchString(local) {
			return "", fmt.Errorf("version %q has build metadata %q that is no PEP 440 local version label", v, build)
		}
		out += "+" + local
	}
	return out, nil
}
