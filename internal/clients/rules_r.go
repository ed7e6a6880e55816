package clients

import (
	"strconv"
	"strings"
)

// What R does with a repository URL, by R version. The R client (r.go)
// wires R with a block in its profile; these rules say what decides
// whether that token reaches the server.
var (
	// R 4.5.0 and 4.5.1 fetch package files with libcurl whatever
	// download.file.method says, so the curl method with --netrc-file that
	// the profile block sets is not used by install.packages (R NEWS for
	// 4.5.2, as r.go's rIgnoresMethod records it).
	rMethodIgnored = Versions{From: "4.5.0", Before: "4.5.2"}
	// A token written into a repository URL (https://__token__:TOKEN@host/…)
	// leaks: R prints repository URLs in messages, warnings and
	// available.packages' errors, and saves them with the session's
	// options; nothing renews it (all versions).
	rTokenInRepos = Versions{}
)

// rMethodProblem is the line for an R whose install.packages ignores
// download.file.method.
func rMethodProblem(version string) string {
	return "R " + version + " fetches package files with libcurl whatever download.file.method says, so install.packages sends no token; use R 4.5.2 or later (remotes and renv still send it)"
}

// rReposExpr prints the repositories a session with the user's profile
// uses, as name=url lines.
const rReposExpr = `r <- getOption("repos"); cat(sep = "", paste0(names(r), "=", r, "\n"))`

// Explain: the R client's own check, then the repositories a session
// uses and the rules of this R's version.
func (r R) Explain(e *Env, t *Target) []Finding {
	facts, installed, err := FindR(e)
	if !installed {
		return nil
	}
	f := &findings{client: "R"}
	if err != nil {
		f.bad("executable", "run Rscript -e 1 to see why", "%s did not answer (%v)", facts.Rscript, err)
		return f.list
	}
	f.ok("executable", "%s is R %s; its user profile is %s", facts.Rscript, facts.Version, facts.Profile)
	method := rMethodProblem(facts.Version)
	if rIgnoresMethod(facts.Version) {
		f.bad("download method", "use R 4.5.2 or later (or remotes::install_cran / renv, which still send the token)", "%s", method)
	}
	for _, l := range r.Check(e).Lines {
		text := strings.TrimPrefix(l.Text, "R: ")
		if text == method {
			continue // said above
		}
		switch l.Level {
		case OK:
			f.ok("profile", "%s", text)
		case Note:
			f.note("profile", "%s", text)
		default:
			f.bad("profile", "git-credential-ppm setup", "%s", text)
		}
	}
	out, err := e.output(facts.Rscript, "-e", rReposExpr)
	if err != nil {
		f.bad("repos", "run Rscript -e 'getOption(\"repos\")' to see why", "a session with %s did not say its repositories (%v)", facts.Profile, err)
		return f.list
	}
	found := false
	for name, u := range keyValues(string(out)) {
		if !t.underAddress(u) {
			continue
		}
		found = true
		_, password := urlUser(u)
		if password && rTokenInRepos.Has(facts.Version) {
			fix := "remove the user and password from that URL in " + facts.Profile
			if n := lineOf(facts.Profile, "@"+t.URL.Host); n > 0 {
				fix = "remove the user and password from line " + strconv.Itoa(n) + " of " + facts.Profile
			}
			f.bad("token in URL", fix+" (the profile block gives R the token without it)", "the repository %s is %s: a password in a repository URL is printed by R in messages and saved with the session, and nothing renews it", name, safeURL(u))
			continue
		}
		f.ok("repos", "repository %s = %s", name, safeURL(u))
	}
	if !found {
		f.bad("repos", "in "+facts.Profile+": options(repos = c(PPM = \""+t.URL.Scheme+"://"+t.URL.Host+"/cran/latest\"))", "a session's repositories (getOption(\"repos\")) name none on %s", t.URL.Host)
	}
	return f.list
}
