package docscheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// TestLinks: every relative link of README.md and docs/ names a file that
// exists, and a #fragment names a heading of that file, so a section that
// moves to another document cannot leave its readers at a dead link.
func TestLinks(t *testing.T) {
	root := repoRoot(t)
	docs := markdownFiles(t, root)
	if len(docs) < 3 {
		t.Fatalf("found %d Markdown files: %v; the walk is broken", len(docs), docs)
	}
	checked := 0
	for _, doc := range docs {
		b, err := os.ReadFile(filepath.Join(root, doc))
		if err != nil {
			t.Fatal(err)
		}
		for _, target := range relativeLinks(string(b)) {
			checked++
			file, frag, _ := strings.Cut(target, "#")
			path := doc // a bare #fragment is in the same file
			if file != "" {
				path = filepath.ToSlash(filepath.Join(filepath.Dir(doc), file))
			}
			info, err := os.Stat(filepath.Join(root, path))
			if err != nil {
				t.Errorf("%s links to %s, which does not exist: point it at the file's new place", doc, target)
				continue
			}
			if frag == "" {
				continue
			}
			if info.IsDir() || !strings.HasSuffix(path, ".md") {
				t.Errorf("%s links to %s: a #fragment of something that is not a Markdown file", doc, target)
				continue
			}
			tb, err := os.ReadFile(filepath.Join(root, path))
			if err != nil {
				t.Fatal(err)
			}
			if !anchors(string(tb))[frag] {
				t.Errorf("%s links to %s, but %s has no heading with the anchor #%s: link to the heading's new anchor", doc, target, path, frag)
			}
		}
	}
	if checked == 0 {
		t.Errorf("no relative link found in %v: the parser is broken", docs)
	}
}

// markdownFiles are README.md and the Markdown files under docs/, relative
// to root with forward slashes.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	files := []string{"README.md"}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

var heading = regexp.MustCompile(`^#{1,6} (.+)$`)

var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// relativeLinks returns the targets of the Markdown links of doc that
// point into the repository (not http:, https: or mailto:), outside fenced
// code blocks.
func relativeLinks(doc string) []string {
	var targets []string
	for _, line := range proseLines(doc) {
		for _, m := range link.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			targets = append(targets, target)
		}
	}
	return targets
}

// proseLines are the lines of doc outside fenced code blocks.
func proseLines(doc string) []string {
	var lines []string
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			lines = append(lines, line)
		}
	}
	return lines
}

// anchors returns the anchors GitHub gives the headings of doc: lower
// case, spaces to hyphens, punctuation other than - and _ dropped, and
// -1, -2 … after a repeated one.
func anchors(doc string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	for _, line := range proseLines(doc) {
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		text := strings.TrimSpace(m[1])
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			out[a+"-"+strconv.Itoa(n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// TestAnchors: the anchors are GitHub's for the kinds of heading our
// documents have.
func TestAnchors(t *testing.T) {
	doc := "# Title\n## Why 401?\n## twine (and `uv publish`)\n## §4 PPM's endpoints\n```\n## not a heading\n```\n## CI\n### CI\n#not\n"
	got := anchors(doc)
	for _, want := range []string{"title", "why-401", "twine-and-uv-publish", "4-ppms-endpoints", "ci", "ci-1"} {
		if !got[want] {
			t.Errorf("anchors lack %q: %v", want, got)
		}
	}
	if len(got) != 6 {
		t.Errorf("anchors = %v, want 6", got)
	}
}
