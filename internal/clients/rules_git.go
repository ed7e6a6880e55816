package clients

import "strings"

// What git does with a repository URL. Read from git's credential.c,
// http.c and gitcredentials(7); the next git release that changes one is
// one line here.
var (
	// Helpers run in configuration order, an empty value clearing the
	// list; the first to answer with a user and password wins, and after a
	// successful request every helper gets `store` with the credential
	// (credential.c credential_fill, credential_approve; all versions).
	gitHelperOrder = Versions{}
	// libcurl reads ~/.netrc for the first request (http.c sets
	// CURLOPT_NETRC to CURL_NETRC_OPTIONAL); helpers are asked only after
	// that gets a 401 (all versions).
	gitNetrcFirst = Versions{}
)

// Explain: which helpers git asks for the target URL, in which order.
func (Git) Explain(e *Env, t *Target) []Finding {
	git := e.LookPath("git")
	if git == "" {
		return nil
	}
	f := &findings{client: "git"}
	version := ""
	if out, err := e.output(git, "--version"); err == nil {
		version = strings.TrimPrefix(strings.TrimSpace(string(out)), "git version ")
	}
	f.ok("executable", "%s is git %s", git, version)
	if t.HasPassword {
		f.bad("password in URL", "git remote set-url origin "+t.URL.String()+" (in each repository that uses it)", "the URL carries a password: git uses it instead of any helper, and it stays in .git/config and shell history")
	}
	entries, err := e.gitHelperEntries(git)
	if err != nil {
		f.bad("helpers", "run git config --show-origin --get-regexp credential to see why", "%v", err)
		return f.list
	}
	// The helpers git runs for this URL, in order (helpersFor, with origins).
	type helper struct{ value, origin string }
	var list []helper
	for _, en := range entries {
		if en.url != "" && !urlMatches(en.url, t.URL.Scheme, strings.ToLower(t.URL.Host), t.URL.Path) {
			continue
		}
		if en.value == "" {
			list = nil
		} else {
			list = append(list, helper{en.value, en.origin})
		}
	}
	key := gitKey(t.URL.Scheme, strings.ToLower(t.URL.Host))
	ours := -1
	for i, h := range list {
		if e.isOurHelper(h.value) {
			ours = i
			break
		}
	}
	setup := "git-credential-ppm setup (it resets the helper list for this address: git config --global " + key + " \"\" && git config --global --add " + key + " ppm)"
	switch {
	case ours < 0:
		f.bad("helpers", setup, "git calls no git-credential-ppm helper for %s://%s", t.URL.Scheme, t.URL.Host)
		return f.list
	case gitHelperOrder.Has(version):
		var before, after []string
		for i, h := range list {
			switch {
			case i < ours:
				before = append(before, h.value+" ("+h.origin+")")
			case i > ours:
				after = append(after, h.value+" ("+h.origin+")")
			}
		}
		if len(before) > 0 {
			f.bad("helpers", setup, "git asks %s before this helper; whatever it stored for %s (an old token, a password) answers first", strings.Join(before, ", "), t.URL.Host)
		}
		if len(after) > 0 {
			f.bad("helpers", setup, "after every successful request git hands the token to %s too (store writes it to ~/.git-credentials in clear, cache keeps it past its expiry)", strings.Join(after, ", "))
		}
		if len(before)+len(after) == 0 {
			f.ok("helpers", "git calls only this helper for %s://%s (%s = %s, from %s)", t.URL.Scheme, t.URL.Host, key, list[ours].value, list[ours].origin)
		}
	}
	if v := list[ours].value; v == "ppm" && e.LookPath("git-credential-ppm") == "" {
		f.bad("helper command", "git-credential-ppm setup (it writes the helper's absolute path), or put git-credential-ppm's directory on PATH", "the helper value ppm runs git-credential-ppm from PATH, and PATH has none")
	} else if v != "ppm" && !exists(unquoteShell(v)) {
		f.bad("helper command", "git-credential-ppm setup", "the helper %s does not exist", v)
	}
	if gitNetrcFirst.Has(version) {
		netrcRule(f, t, e.homeNetrc(), "is sent first by git (libcurl); it asks helpers only after that gets a 401")
	}
	return f.list
}
