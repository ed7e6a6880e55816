package clients

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// R wires R: a marked block at the end of the user's R profile
// (~/.Rprofile, or R_PROFILE_USER) that, when R starts, has this program
// write a netrc file into R's private tempdir() and points R's downloads
// at it: options(netrc = …) from R 4.6, the curl method with
// `--fail --netrc-file` before; renv gets renv.download.headers; before a
// command, once the token nears its end, the file is written anew. Lines
// of the person's own stay byte for byte, before and after the block.
type R struct{}

// Name is "R".
func (R) Name() string { return "R" }

// The block's markers: whole lines, found again by Undo and Check.
const (
	rBlockBegin = "# >>> git-credential-ppm >>>"
	rBlockEnd   = "# <<< git-credential-ppm <<<"
)

// rProfileTemplate is the block; @BIN@ is this program's path.
//
//go:embed rprofile.R
var rProfileTemplate string

// RBlock is the block setup writes into an R profile for the program at
// bin, markers included, ending with a newline.
func RBlock(bin string) string {
	return strings.Replace(rProfileTemplate, `"@BIN@"`, rQuote(filepath.ToSlash(bin)), 1)
}

// rQuote quotes s as an R string literal.
func rQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// RFacts is what R says about itself: which Rscript, which version, which
// user profile it reads. Doctor and setup ask R rather than guess (on
// Windows "~" is the Documents folder, and R_PROFILE_USER may point
// anywhere).
type RFacts struct {
	Rscript string // the Rscript on the injected PATH
	Version string // e.g. "4.2.2"
	Profile string // the user profile R reads, absolute
}

// rFactsExpr prints R's version and its home's .Rprofile as key=value
// lines. It runs without the user's profile (--no-init-file), so a broken
// block cannot hide the facts; R's shell script then empties
// R_PROFILE_USER, which FindR reads itself.
const rFactsExpr = `cat(sep = "", "version=", format(getRversion()), "\n", ` +
	`"profile=", path.expand("~/.Rprofile"), "\n")`

// FindR finds Rscript on the injected PATH and asks it for its facts. ok
// is false when R is not installed; err says why a found R did not answer.
func FindR(e *Env) (f RFacts, ok bool, err error) {
	f.Rscript = e.LookPath("Rscript")
	if f.Rscript == "" {
		return f, false, nil
	}
	out, err := e.output(f.Rscript, "--no-init-file", "-e", rFactsExpr)
	if err != nil {
		return f, true, err
	}
	kv := keyValues(string(out))
	f.Version, f.Profile = kv["version"], filepath.FromSlash(kv["profile"])
	if f.Version == "" || f.Profile == "" {
		return f, true, fmt.Errorf("%s did not say its version and home (it printed %q)", f.Rscript, firstLine(string(out)))
	}
	if p := e.Getenv("R_PROFILE_USER"); p != "" {
		f.Profile = p
	}
	if abs, err := filepath.Abs(f.Profile); err == nil {
		f.Profile = abs
	}
	return f, true, nil
}

// keyValues reads key=value lines.
func keyValues(s string) map[string]string {
	kv := map[string]string{}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			kv[k] = v
		}
	}
	return kv
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// rVersionBefore reports whether an R version ("4.5.1") is older than
// major.minor.patch; an unreadable one is not.
func rVersionBefore(v string, major, minor, patch int) bool {
	parts := strings.SplitN(v, ".", 3)
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return false
		}
		nums[i] = n
	}
	for i, want := range []int{major, minor, patch} {
		if nums[i] != want {
			return nums[i] < want
		}
	}
	return false
}

// rIgnoresMethod reports whether R version v fetches package files with
// libcurl whatever download.file.method says (R 4.5.0 and 4.5.1), so that
// install.packages cannot send the token before R 4.6's netrc option.
func rIgnoresMethod(v string) bool {
	_, ok := parseVersion(v)
	return ok && rMethodIgnored.Has(v)
}

// blockBinary is the path the block runs: the git-credential-ppm on PATH
// when it is this program (a package manager's stable link survives
// upgrades), else this program's own path. Always absolute: RStudio's
// PATH is not the shell's.
func (e *Env) blockBinary() string {
	if p := e.LookPath("git-credential-ppm"); p != "" && filepath.IsAbs(p) && IsOurs(p, e.Self) {
		return p
	}
	return e.Self
}

// findBlock returns where the marked block lies in data: from the start of
// its first line to the end of its last (its newline included). found is
// false without a begin marker; err reports a begin without an end.
func findBlock(data []byte) (start, end int, found bool, err error) {
	pos := 0
	start = -1
	for pos < len(data) {
		next := bytes.IndexByte(data[pos:], '\n')
		lineEnd := len(data)
		if next >= 0 {
			lineEnd = pos + next + 1
		}
		line := strings.TrimRight(string(data[pos:lineEnd]), "\r\n")
		switch {
		case start < 0 && line == rBlockBegin:
			start = pos
		case start >= 0 && line == rBlockEnd:
			return start, lineEnd, true, nil
		}
		pos = lineEnd
	}
	if start >= 0 {
		return 0, 0, false, errors.New("it has the line " + rBlockBegin + " but not " + rBlockEnd + " after it; fix the block by hand or remove it, then run setup again")
	}
	return 0, 0, false, nil
}

// readProfile reads the profile through symbolic links (nil when absent).
func readProfile(path string) (data []byte, existed bool, err error) {
	data, err = os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cannot read %s (%w); check its permissions", path, err)
	}
	return data, true, nil
}

// Apply appends the block to R's user profile, or brings a block that is
// there up to date in place.
func (R) Apply(s *Session) (bool, error) {
	facts, installed, err := FindR(s.Env)
	switch {
	case !installed:
		s.Say("R: not installed; skipped")
		return false, nil
	case err != nil:
		return false, fmt.Errorf("R: cannot ask R where its profile is: %w", err)
	}
	path := facts.Profile
	data, existed, err := readProfile(path)
	if err != nil {
		return false, err
	}
	block := RBlock(s.blockBinary())
	start, end, found, err := findBlock(data)
	if err != nil {
		return false, fmt.Errorf("R: %s: %w", path, err)
	}
	change := BlockChange{Client: "R", Path: path, Created: !existed}
	var out []byte
	switch {
	case found && string(data[start:end]) == block:
		s.Say("R: %s has the git-credential-ppm block (unchanged)", path)
		if !s.DryRun && !s.State.hasBlock(path) { // a block of an earlier setup whose record is gone
			s.record(func(st *State) { st.Blocks = append(st.Blocks, change) })
		}
		return false, nil
	case found:
		s.Say("R: %s: update the git-credential-ppm block", path)
		out = append(append(append([]byte(nil), data[:start]...), block...), data[end:]...)
	default:
		s.Say("R: %s: add the git-credential-ppm block (install.packages, remotes and renv get the token)", path)
		out = append([]byte(nil), data...)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
			change.AddedNewline = true
		}
		out = append(out, block...)
	}
	if s.DryRun {
		s.willWrite("R", path)
		return true, nil
	}
	if err := writeThrough(path, out); err != nil {
		return false, fmt.Errorf("R: %w", err)
	}
	if !s.State.hasBlock(path) {
		s.record(func(st *State) { st.Blocks = append(st.Blocks, change) })
	}
	return true, nil
}

// Undo cuts out the block setup added, leaving every other byte of the
// profile as it is, and removes the profile when setup created it and
// nothing else is in it.
func (R) Undo(s *Session) error {
	var keep []BlockChange
	for _, b := range s.State.Blocks {
		if b.Client != "R" {
			keep = append(keep, b)
			continue
		}
		if err := undoBlock(s, b); err != nil {
			return err
		}
	}
	if !s.DryRun {
		s.State.Blocks = keep
	}
	return nil
}

func undoBlock(s *Session, b BlockChange) error {
	data, existed, err := readProfile(b.Path)
	if err != nil {
		return err
	}
	start, end, found, err := findBlock(data)
	switch {
	case err != nil:
		return fmt.Errorf("R: %s: %w", b.Path, err)
	case !existed || !found:
		s.Say("R: %s no longer has the git-credential-ppm block (left as it is)", b.Path)
		return nil
	}
	out := append(append([]byte(nil), data[:start]...), data[end:]...)
	if b.AddedNewline && end == len(data) && len(out) > 0 && out[len(out)-1] == '\n' {
		out = out[:len(out)-1] // the newline setup put after the person's last line
	}
	s.Say("R: %s: remove the git-credential-ppm block", b.Path)
	if s.DryRun {
		return nil
	}
	if b.Created && len(bytes.TrimSpace(out)) == 0 {
		s.Say("R: remove %s (setup created it)", b.Path)
		target, err := filepath.EvalSymlinks(b.Path)
		if err != nil {
			return fmt.Errorf("cannot follow %s (%w); remove it by hand", b.Path, err)
		}
		return os.Remove(target)
	}
	return writeThrough(b.Path, out)
}

// Hints: renv projects read the user profile only when asked to.
func (R) Hints(e *Env) []string {
	if e.LookPath("Rscript") == "" {
		return nil
	}
	return []string{"R: renv projects skip ~/.Rprofile unless RENV_CONFIG_USER_PROFILE=TRUE (put it in the project's .Renviron); pak reads ~/.ppm/tokens.toml, which holds this helper's token with PPM_CREDENTIAL_STORE=file"}
}

// rSessionExpr runs with the user's profile and says what the block set
// up: the netrc file, how many machine lines it has, the download method,
// whether the task callback is there, and whether renv is installed.
const rSessionExpr = `f <- getOption("netrc"); cat(sep = "", ` +
	`"netrc=", if (is.character(f)) f else "", "\n", ` +
	`"lines=", if (is.character(f) && file.exists(f)) length(readLines(f, warn = FALSE)) else -1L, "\n", ` +
	`"method=", getOption("download.file.method", ""), "\n", ` +
	`"extra=", grepl("--netrc-file", paste(getOption("download.file.extra"), collapse = " "), fixed = TRUE), "\n", ` +
	`"callback=", "git-credential-ppm" %in% getTaskCallbackNames(), "\n", ` +
	`"renv=", nzchar(system.file(package = "renv")), "\n")`

// Check: the profile R reads has the block, it runs this program, and a
// fresh R session has the netrc file, the download method and the task
// callback it sets up.
func (R) Check(e *Env) Report {
	var r Report
	facts, installed, err := FindR(e)
	switch {
	case !installed:
		r.add(Note, "R: not installed (skipped)")
		return r
	case err != nil:
		r.add(Note, "R: cannot ask R about itself (%v); run `Rscript -e 1` to see why", err)
		return r
	}
	data, _, err := readProfile(facts.Profile)
	if err != nil {
		r.add(Note, "R: %v", err)
		return r
	}
	start, end, found, err := findBlock(data)
	switch {
	case err != nil:
		r.Wired = true
		r.add(Problem, "R: %s: %v", facts.Profile, err)
		return r
	case !found:
		r.add(Unwired, "R: %s has no git-credential-ppm block; run `git-credential-ppm setup`", facts.Profile)
		return r
	}
	r.Wired = true
	if string(data[start:end]) != RBlock(e.blockBinary()) {
		r.add(Problem, "R: the git-credential-ppm block in %s is not this program's (another path or version); run `git-credential-ppm setup` to update it", facts.Profile)
	}
	if rIgnoresMethod(facts.Version) {
		r.add(Problem, "R: %s", rMethodProblem(facts.Version))
	}
	out, err := e.output(facts.Rscript, "-e", rSessionExpr)
	if err != nil {
		r.add(Problem, "R: a new R session with %s failed (%v); run `Rscript -e 1` to see why", facts.Profile, err)
		return r
	}
	kv := keyValues(string(out))
	lines, _ := strconv.Atoi(kv["lines"])
	method := "libcurl with options(netrc)"
	if rVersionBefore(facts.Version, 4, 6, 0) {
		method = "download.file.method = curl with --netrc-file"
		if kv["method"] != "curl" || kv["extra"] != "TRUE" {
			r.add(Problem, "R: a new R session does not download with curl and the netrc file (download.file.method is %q); is a line after the block in %s changing it?", kv["method"], facts.Profile)
			return r
		}
	}
	switch {
	case kv["callback"] != "TRUE" || kv["netrc"] == "":
		r.add(Problem, "R: the block in %s did not run in a new R session (a project .Rprofile in this directory replaces it; else run `Rscript -e 1` to see its message)", facts.Profile)
	case lines < len(e.Addresses):
		r.add(Problem, "R: a new R session got a token for %d of %d address(es); run `git-credential-ppm login`", max(lines, 0), len(e.Addresses))
	default:
		r.add(OK, "R %s: %s has the block; a new session downloads with %s (%d machine line(s))", facts.Version, facts.Profile, method, lines)
	}
	if kv["renv"] == "TRUE" && !strings.EqualFold(e.Getenv("RENV_CONFIG_USER_PROFILE"), "TRUE") {
		r.add(Note, "R: renv projects skip %s unless RENV_CONFIG_USER_PROFILE=TRUE (put it in the project's .Renviron)", facts.Profile)
	}
	return r
}
