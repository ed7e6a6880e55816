package platform

import (
	"regexp"
	"slices"
	"testing"
)

// quotedOracle is the regular expression quotedRuns replaces; the two must
// find the same runs.
var quotedOracle = regexp.MustCompile(`'[^']*'|"(?:[^"\\]|\\.)*"`)

func checkQuotedRuns(t *testing.T, msg string) {
	t.Helper()
	var want [][2]int
	for _, m := range quotedOracle.FindAllStringIndex(msg, -1) {
		want = append(want, [2]int{m[0], m[1]})
	}
	if got := quotedRuns(msg); !slices.Equal(got, want) {
		t.Fatalf("quotedRuns(%q) = %v; the regexp finds %v", msg, got, want)
	}
}

func TestQuotedRunsAsTheRegexp(t *testing.T) {
	for _, s := range []string{
		``, `none`, `'a'`, `"a"`, `'unterminated`, `"unterminated`, `"a\"b"`, `"a\\"b"`, `"a\` + "\n" + `b"`,
		`'x' and "y" and 'z'`, `"it's"`, `'say "hi"'`, `""''`, `"\`, `"a` + "\n" + `b"`, `''`, `'a''b'`,
	} {
		checkQuotedRuns(t, s)
	}
}

func FuzzQuotedRuns(f *testing.F) {
	for _, s := range []string{`'a' "b\"c"`, `"\`, `'`, `"x` + "\n" + `\` + "\n" + `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkQuotedRuns(t, s) })
}
