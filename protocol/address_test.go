package protocol

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	ok := []struct {
		in   string
		want Address
	}{
		{"https://ppm.example.com", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"https://PPM.Example.com/", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"HTTPS://ppm.example.com", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"https://ppm.example.com:443", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"https://ppm.example.com:0443", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"https://ppm.example.com:", Address{Scheme: "https", Host: "ppm.example.com"}},
		{"https://ppm.example.com:8443/ppm/", Address{Scheme: "https", Host: "ppm.example.com:8443", Path: "/ppm"}},
		{"https://ppm.example.com/my%20team//", Address{Scheme: "https", Host: "ppm.example.com", Path: "/my team"}},
		{"https://ppm.example.com.", Address{Scheme: "https", Host: "ppm.example.com."}},
		{"https://[2001:DB8::1]:8443", Address{Scheme: "https", Host: "[2001:db8::1]:8443"}},
		{"http://127.0.0.1:4242", Address{Scheme: "http", Host: "127.0.0.1:4242"}},
		{"http://127.9.9.9", Address{Scheme: "http", Host: "127.9.9.9"}},
		{"http://localhost:80/", Address{Scheme: "http", Host: "localhost"}},
		{"http://LocalHost", Address{Scheme: "http", Host: "localhost"}},
		{"http://[::1]:8080", Address{Scheme: "http", Host: "[::1]:8080"}},
		{"http://[0:0::1]", Address{Scheme: "http", Host: "[::1]"}},
		{" https://ppm.example.com ", Address{Scheme: "https", Host: "ppm.example.com"}},
	}
	for _, c := range ok {
		got, err := ParseAddress(c.in)
		c.want.Raw = strings.TrimSpace(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "empty"},
		{"   ", "empty"},
		{"ppm.example.com", "https://"},
		{"ftp://ppm.example.com", "https://"},
		{"https:ppm.example.com", "no valid host"},
		{"http://ppm.example.com", "never sent over plain http"},
		{"http://10.0.0.1", "never sent over plain http"},
		{"http://127.0.0.1.evil.com", "never sent over plain http"},
		{"http://localhost.evil.com", "never sent over plain http"},
		{"http://[::2]", "never sent over plain http"},
		{"https://user:s3cr3t@ppm.example.com", "user name"},
		{"https://ppm.example.com/?a=b", "query"},
		{"https://ppm.example.com/?", "query"},
		{"https://ppm.example.com/#frag", "fragment"},
		{"https://", "no valid host"},
		{"https:///path", "no valid host"},
		{"https://:443", "no valid host"},
		{"https://ppm%2eexample.com", ""},
		{"https://ppm.example.com:port", ""},
		{"https://ppm.example.com:65536", "no valid host"},
		{"https://ppm.example.com:0", "no valid host"},
		{"https://ppm_example!.com", "no valid host"},
		{"https://[fe80::1%25eth0]", ""},
		{"https://packagemanager.posİt.co", "non-ASCII"},
		{"https://bücher.example", "xn--"},
		{"http://localhoſt", "non-ASCII"},
		{"https://ppm.example.com/a/../b", "segments"},
		{"https://ppm.example.com/a/%2e%2e/b", "segments"},
	}
	for _, c := range bad {
		_, err := ParseAddress(c.in)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("ParseAddress(%q) err = %v; want one mentioning %q", c.in, err, c.msg)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	l, err := ParseAddressList(" https://a.example.com, ,https://b.example.com/team/,")
	if err != nil || len(l) != 2 || l[0].Raw != "https://a.example.com" || l[1].Raw != "https://b.example.com/team/" || l[1].Path != "/team" {
		t.Fatalf("got %+v, %v", l, err)
	}
	if l, err := ParseAddressList(" , "); err != nil || len(l) != 0 {
		t.Errorf("empty list: %+v, %v", l, err)
	}
	if _, err := ParseAddressList("https://a.example.com,http://b.example.com"); err == nil || !strings.Contains(err.Error(), "b.example.com") {
		t.Errorf("a bad element: %v; want an error naming it", err)
	}
}

func mustAddr(t testing.TB, s string) Address {
	t.Helper()
	a, err := ParseAddress(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMatchGit(t *testing.T) {
	a := mustAddr(t, "https://ppm.example.com")
	p := mustAddr(t, "https://ppm.example.com/team")
	port := mustAddr(t, "https://ppm.example.com:8443")
	posit := mustAddr(t, "https://packagemanager.posit.co")
	cases := []struct {
		addr              Address
		proto, host, path string
		want              bool
	}{
		{a, "https", "ppm.example.com", "", true},
		{a, "HTTPS", "PPM.EXAMPLE.COM", "", true},
		{a, "https", "ppm.example.com:443", "", true},
		{a, "https", "ppm.example.com:", "", true},
		{a, "https", "ppm.example.com", "any/repo.git", true},
		{a, "http", "ppm.example.com", "", false},
		{a, "https", "ppm.example.com:8443", "", false},
		{a, "https", "ppm.example.com:80", "", false},
		{a, "https", "ppm.example.com.evil.com", "", false},
		{a, "https", "evil-ppm.example.com", "", false},
		{a, "https", "ppm.example.co", "", false},
		{a, "https", "ppm.example.com.", "", false},
		{a, "https", "evil.com@ppm.example.com", "", false},
		{a, "https", "ppm.example.com@evil.com", "", false},
		{a, "https", "ppm.example.com\\@evil.com", "", false},
		{a, "https", "ppm%2eexample.com", "", false},
		{a, "https", "ppm.example.com/", "", false},
		{a, "https", " ppm.example.com", "", false},
		{a, "https", "", "", false},
		{a, "", "ppm.example.com", "", false},
		{a, "https", "ppm.example.com", "../x", false},
		{a, "httpſ", "ppm.example.com", "", false}, // U+017F folds to s in Unicode only
		{posit, "https", "packagemanager.posİt.co", "", false},
		{posit, "https", "PACKAGEMANAGER.POSİT.CO", "", false},
		{posit, "https", "packagemanager.poſit.co", "", false},
		{posit, "https", "pac\u212aagemanager.posit.co", "", false},
		{posit, "https", "packagemanager.posit.co\u00a0", "", false},
		{posit, "https", "PackageManager.Posit.Co", "", true},
		{port, "https", "ppm.example.com:8443", "", true},
		{port, "https", "ppm.example.com:08443", "", true},
		{port, "https", "ppm.example.com", "", false},
		{p, "https", "ppm.example.com", "team/repo.git", true},
		{p, "https", "ppm.example.com", "team", true},
		{p, "https", "ppm.example.com", "team/", true},
		{p, "https", "ppm.example.com", "/team/x", true},
		{p, "https", "ppm.example.com", "teammates/repo.git", false},
		{p, "https", "ppm.example.com", "other/repo.git", false},
		{p, "https", "ppm.example.com", "team/../other", false},
		{p, "https", "ppm.example.com", "", true}, // git sends no path by default
	}
	for _, c := range cases {
		if got := c.addr.MatchGit(c.proto, c.host, c.path); got != c.want {
			t.Errorf("%s MatchGit(%q, %q, %q) = %v; want %v", c.addr.Raw, c.proto, c.host, c.path, got, c.want)
		}
	}
	v6 := mustAddr(t, "http://[::1]:8080")
	for host, want := range map[string]bool{"[::1]:8080": true, "[0:0:0:0:0:0:0:1]:8080": true, "[::1]:8081": false, "[::1]": false, "::1:8080": false, "[::1%25lo]:8080": false} {
		if got := v6.MatchGit("http", host, ""); got != want {
			t.Errorf("%s MatchGit(http, %q) = %v; want %v", v6.Raw, host, got, want)
		}
	}
}

func TestMatchService(t *testing.T) {
	a := mustAddr(t, "https://ppm.example.com")
	p := mustAddr(t, "https://ppm.example.com/ppm/")
	port := mustAddr(t, "https://ppm.example.com:8443")
	loop := mustAddr(t, "http://127.0.0.1:4242")
	v6 := mustAddr(t, "https://[2001:db8::1]")
	v6loop := mustAddr(t, "http://[::1]:8080")
	loopPath := mustAddr(t, "http://127.0.0.1:4242/ppm")
	localhost := mustAddr(t, "http://localhost:8080")
	posit := mustAddr(t, "https://packagemanager.posit.co")
	cases := []struct {
		addr    Address
		service string
		want    bool
	}{
		// pip and uv: index URL, then host[:port], then (uv, http) scheme://host[:port].
		{a, "https://ppm.example.com/pypi/latest/simple/", true},
		{a, "https://ppm.example.com/pypi/latest/simple", true},
		{a, "https://ppm.example.com", true},
		{a, "https://ppm.example.com/", true},
		// A bare host has no scheme: pip sends it after any index URL,
		// http ones too, so only a plain-http (loopback) address answers it.
		{a, "ppm.example.com", false},
		{loop, "http://127.0.0.1:4242/pypi/latest/simple/", true},
		{loop, "127.0.0.1:4242", true},
		{loop, "http://127.0.0.1:4242", true},
		// Case and default ports.
		{a, "PPM.example.COM", false},
		{a, "HTTPS://PPM.EXAMPLE.COM/simple/", true},
		{a, "ppm.example.com:443", false},
		{a, "https://ppm.example.com:443/simple/", true},
		{a, "ppm.example.com:8443", false},
		{a, "https://ppm.example.com:8443/simple/", false},
		{port, "ppm.example.com:8443", false},
		{port, "https://ppm.example.com:8443/simple/", true},
		{port, "ppm.example.com", false},
		{port, "https://ppm.example.com/simple/", false},
		{loop, "127.0.0.1", false},
		{loop, "127.0.0.1:04242", true},
		{loopPath, "127.0.0.1:4242", true},
		{loopPath, "http://127.0.0.1:4242", true},
		{loopPath, "http://127.0.0.1:4242/", true},
		{loopPath, "http://127.0.0.1:4242/ppm/simple/", true},
		{loopPath, "http://127.0.0.1:4242/other/simple/", false},
		{localhost, "LOCALHOST:8080", true},
		{localhost, "localhost", false},
		{localhost, "http://localhost:8080/simple/", true},
		{loop, "127.0.0.1:80", false},
		{loop, "https://127.0.0.1:4242/", false},
		// Scheme.
		{a, "http://ppm.example.com/pypi/", false},
		{a, "http://ppm.example.com", false},
		{a, "ftp://ppm.example.com/", false},
		// Look-alike hosts.
		{a, "https://ppm.example.com.evil.com/simple/", false},
		{a, "ppm.example.com.evil.com", false},
		{a, "https://evil-ppm.example.com/", false},
		{a, "evil-ppm.example.com", false},
		{a, "https://ppm.example.co/", false},
		{a, "ppm.example.co", false},
		{a, "https://xppm.example.com/", false},
		// Non-ASCII hosts match nothing: Unicode case folding is not DNS.
		{posit, "https://packagemanager.posİt.co/pypi/latest/simple/", false},
		{posit, "https://packagemanager.posİt.co", false},
		{posit, "https://packagemanager.poſit.co/", false},
		{posit, "https://pac\u212aagemanager.posit.co/", false},
		{posit, "https://packagemanager.posit.co/pypi/latest/simple/", true},
		{posit, "HTTPS://PackageManager.Posit.CO/simple/", true},
		{loop, "http://127.0.0.1:4242\u200b/", false},
		{localhost, "localhoſt:8080", false},
		{localhost, "http://localhoſt:8080/", false},
		// Trailing dot: a different host.
		{a, "ppm.example.com.", false},
		{a, "https://ppm.example.com./simple/", false},
		// Userinfo tricks: never a match, even when the host would be ours.
		{a, "https://ppm.example.com@evil.com/", false},
		{a, "https://evil.com#@ppm.example.com", false},
		{a, "https://evil.com\\@ppm.example.com", false},
		{a, "https://evil.com\\@ppm.example.com/", false},
		{a, "https://evil.com%40ppm.example.com/", false},
		{a, "https://__token__@ppm.example.com/simple/", false},
		{a, "https://__token__:x@ppm.example.com/simple/", false},
		{a, "__token__@ppm.example.com", false},
		{a, "https://evil.com/?u=https://ppm.example.com", false},
		{a, "https://evil.com/https://ppm.example.com/", false},
		// Percent-encoding in hosts.
		{a, "https://ppm%2eexample.com/", false},
		{a, "ppm%2eexample.com", false},
		{a, "https://%70pm.example.com/", false},
		// Not a host.
		{a, "", false},
		{a, " ppm.example.com", false},
		{a, "ppm.example.com/simple/", false},
		{a, "https://", false},
		{a, "https:ppm.example.com", false},
		{a, "ppm.example.com:https", false},
		// Paths.
		{p, "https://ppm.example.com/ppm/pypi/latest/simple/", true},
		{p, "https://ppm.example.com/ppm", true},
		{p, "https://ppm.example.com/ppm/", true},
		{p, "https://ppm.example.com/%70pm/simple/", true},
		{p, "https://ppm.example.com/ppmx/simple/", false},
		{p, "https://ppm.example.com/other/simple/", false},
		{p, "https://ppm.example.com/ppm/../other/simple/", false},
		{p, "https://ppm.example.com/ppm/%2e%2e/other/", false},
		{p, "https://ppm.example.com/ppm/./simple/", false},
		// Outside the address's path: nothing, the host-level URL included.
		{p, "https://ppm.example.com", false},
		{p, "https://ppm.example.com/", false},
		{p, "ppm.example.com", false},
		// IPv6 literals.
		{v6, "https://[2001:db8::1]/simple/", true},
		{v6, "https://[2001:DB8:0::1]:443/simple/", true},
		{v6, "[2001:db8::1]", false},
		{v6, "[2001:db8::1]:443", false},
		{v6loop, "[::1]:8080", true},
		{v6loop, "[0::1]:8080", true},
		{v6loop, "[::1]", false},
		{v6, "[2001:db8::2]", false},
		{v6, "2001:db8::1", false},
		{v6, "[2001:db8::1]:8443", false},
		{v6, "https://[2001:db8::1%25eth0]/", false},
		{v6, "[2001:db8::1]x", false},
	}
	for _, c := range cases {
		if got := c.addr.MatchService(c.service); got != c.want {
			t.Errorf("%s MatchService(%q) = %v; want %v", c.addr.Raw, c.service, got, c.want)
		}
	}
}

// fuzzAddresses are the configured addresses the match fuzzers try.
var fuzzAddresses = []string{
	"https://ppm.example.com", "https://ppm.example.com:8443/ppm", "http://127.0.0.1:4242", "https://[2001:db8::1]/x", "http://localhost",
}

// oracleHost splits a service or git host into ASCII-lower-cased host
// and port with none of normHost's code: the authority after "scheme://"
// up to the first '/', '?' or '#'. bad is set when the authority holds
// '@', '\\', '%' or any byte outside ASCII, which must never match.
func oracleHost(s string) (host, port string, bad bool) {
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
		if j := strings.IndexAny(s, "/?#"); j >= 0 {
			s = s[:j]
		}
	}
	if strings.ContainsAny(s, "@\\%") {
		return "", "", true
	}
	for _, c := range []byte(s) {
		if c >= 0x80 {
			return "", "", true
		}
	}
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "", true
		}
		ip, err := netip.ParseAddr(s[1:end])
		if err != nil {
			return "", "", true
		}
		return "[" + ip.String() + "]", strings.TrimPrefix(s[end+1:], ":"), false
	}
	if i := strings.LastIndex(s, ":"); i >= 0 {
		return oracleLower(s[:i]), s[i+1:], false
	}
	return oracleLower(s), "", false
}

// oracleLower lower-cases ASCII letters only, byte by byte.
func oracleLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c | 0x20
		}
	}
	return string(b)
}

// oracleService checks what a matched keyring service may be, with none
// of MatchService's code: a bare host only for plain-http addresses; a
// URL with the address's scheme, and a path under the address's unless
// it is the host-level URL of a path-less or plain-http address.
func oracleService(t *testing.T, a Address, service string) {
	scheme, rest, isURL := strings.Cut(service, "://")
	if !isURL {
		if a.Scheme != "http" {
			t.Fatalf("bare host %q matched the %s address %s", service, a.Scheme, a.Raw)
		}
		return
	}
	if oracleLower(scheme) != a.Scheme {
		t.Fatalf("service %q matched %s with another scheme", service, a.Raw)
	}
	path := ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 && rest[i] == '/' {
		path = rest[i:]
		if j := strings.IndexAny(path, "?#"); j >= 0 {
			path = path[:j]
		}
	}
	dec, err := url.PathUnescape(path)
	if err != nil {
		t.Fatalf("service %q with a bad escape in its path matched %s", service, a.Raw)
	}
	dec = strings.TrimRight(dec, "/")
	switch {
	case dec == "":
		if a.Path != "" && a.Scheme != "http" {
			t.Fatalf("host-level service %q matched %s, which has a path", service, a.Raw)
		}
	case a.Path != "" && dec != a.Path && !strings.HasPrefix(dec, a.Path+"/"):
		t.Fatalf("service %q outside the path matched %s", service, a.Raw)
	}
}

func checkOracle(t *testing.T, a Address, what, s string) {
	host, port, bad := oracleHost(s)
	if bad {
		t.Fatalf("%s %q matched %s, but it holds userinfo, a backslash or a percent-escape", what, s, a.Raw)
	}
	wantHost, wantPort, _ := oracleHost(a.Host)
	def := map[string]string{"https": "443", "http": "80"}[a.Scheme]
	port = strings.TrimLeft(port, "0")
	if port == def {
		port = ""
	}
	if host != wantHost || port != wantPort {
		t.Fatalf("%s %q matched %s, but names host %q port %q", what, s, a.Raw, host, port)
	}
}

func FuzzMatchService(f *testing.F) {
	for _, s := range []string{
		"https://ppm.example.com/simple/", "ppm.example.com", "ppm.example.com:443", "https://ppm.example.com.evil.com/",
		"https://a@ppm.example.com", "http://[::1]:80/", "%", "https://ppm.example.com:0443/x", "http://127.0.0.1:4242/x/",
		"https://[2001:DB8::1]/x/y", "https://ppm.example.com:8443/ppm/../x",
		"https://ppm.example.com:8443", "https://ppm.examplé.com/", "127.0.0.1:4242", "LOCALHOST", "localhoſt",
		"https://ppm.example.com:8443/ppm%2fx", "http://127.0.0.1:4242",
	} {
		f.Add(s, uint8(0))
	}
	addrs := make([]Address, len(fuzzAddresses))
	for i, s := range fuzzAddresses {
		addrs[i] = mustAddr(f, s)
	}
	f.Fuzz(func(t *testing.T, service string, which uint8) {
		a := addrs[int(which)%len(addrs)]
		if !a.MatchService(service) {
			return
		}
		checkOracle(t, a, "service", service)
		oracleService(t, a, service)
	})
}

func FuzzMatchGit(f *testing.F) {
	f.Add("https", "ppm.example.com", "", uint8(0))
	f.Add("https", "ppm.example.com:8443", "ppm/x.git", uint8(1))
	f.Add("http", "[::1]:4242", "x", uint8(2))
	f.Add("https", "ppm.examplé.com", "", uint8(0))
	f.Add("httpſ", "ppm.example.com", "", uint8(0))
	f.Add("http", "localhoſt", "", uint8(4))
	addrs := make([]Address, len(fuzzAddresses))
	for i, s := range fuzzAddresses {
		addrs[i] = mustAddr(f, s)
	}
	f.Fuzz(func(t *testing.T, proto, host, path string, which uint8) {
		a := addrs[int(which)%len(addrs)]
		if !a.MatchGit(proto, host, path) {
			return
		}
		if strings.Contains(host, "://") {
			t.Fatalf("host %q with a scheme matched %s", host, a.Raw)
		}
		checkOracle(t, a, "host", host)
		if oracleLower(proto) != a.Scheme {
			t.Fatalf("protocol %q matched %s", proto, a.Raw)
		}
		if p := "/" + strings.Trim(path, "/"); path != "" && a.Path != "" && p != a.Path && !strings.HasPrefix(p, a.Path+"/") {
			t.Fatalf("path %q matched %s", path, a.Raw)
		}
	})
}

func TestAddresses(t *testing.T) {
	l, err := ParseAddressList("https://ppm.example.com/team, http://localhost:4242")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "https://ppm.example.com/team, http://localhost:4242" {
		t.Errorf("String() = %q", got)
	}
	if a, ok := l.ForGit("https", "PPM.example.com:443", "team/pypi"); !ok || a.Raw != "https://ppm.example.com/team" {
		t.Errorf("ForGit under the path = %v, %v", a, ok)
	}
	if _, ok := l.ForGit("https", "ppm.example.com", "other"); ok {
		t.Error("ForGit matched a path outside the address")
	}
	if a, ok := l.ForService("localhost:4242"); !ok || a.Raw != "http://localhost:4242" {
		t.Errorf("ForService of the bare host = %v, %v", a, ok)
	}
	if _, ok := l.ForService("ppm.example.com"); ok {
		t.Error("a bare host matched an https address")
	}
	if a, ok := l.Named(mustAddr(t, "HTTPS://ppm.example.com:443/team/")); !ok || a.Raw != "https://ppm.example.com/team" {
		t.Errorf("Named(another spelling) = %v, %v; want the configured spelling", a, ok)
	}
	if _, ok := l.Named(mustAddr(t, "https://ppm.example.com")); ok {
		t.Error("Named matched the host without the path")
	}
	if got := (Addresses{}).String(); got != "" {
		t.Errorf("an empty list reads %q", got)
	}
}
