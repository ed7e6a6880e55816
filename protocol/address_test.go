package protocol

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	ok := map[string]Address{
		"https://ppm.example.com":           {Scheme: "https", Host: "ppm.example.com"},
		"https://PPM.Example.com/":          {Scheme: "https", Host: "ppm.example.com"},
		"https://ppm.example.com:443":       {Scheme: "https", Host: "ppm.example.com"},
		"https://ppm.example.com:8443/ppm/": {Scheme: "https", Host: "ppm.example.com:8443", Path: "/ppm"},
		"http://127.0.0.1:4242":             {Scheme: "http", Host: "127.0.0.1:4242"},
		"http://localhost":                  {Scheme: "http", Host: "localhost"},
		"http://[::1]:8080":                 {Scheme: "http", Host: "[::1]:8080"},
		" https://ppm.example.com ":         {Scheme: "https", Host: "ppm.example.com"},
	}
	for in, want := range ok {
		got, err := ParseAddress(in)
		want.Raw = strings.TrimSpace(in)
		if err != nil || got != want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":                                "empty",
		"ppm.example.com":                 "https://",
		"ftp://ppm.example.com":           "https://",
		"http://ppm.example.com":          "plain http",
		"http://10.0.0.1":                 "plain http",
		"https://user:pw@ppm.example.com": "user name",
		"https://ppm.example.com/?a=b":    "query",
		"https://ppm.example.com/#frag":   "fragment",
		"https://":                        "no valid host",
		"https://ppm%2eexample.com":       "",
		"https://ppm.example.com:port":    "",
	}
	for in, msg := range bad {
		_, err := ParseAddress(in)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseAddress(%q) err = %v; want one mentioning %q", in, err, msg)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("error quotes the password: %v", err)
		}
	}
}

func TestParseAddressList(t *testing.T) {
	l, err := ParseAddressList("https://a.example.com, ,https://b.example.com/,")
	if err != nil || len(l) != 2 || l[1].Raw != "https://b.example.com/" {
		t.Fatalf("got %+v, %v", l, err)
	}
	if _, err := ParseAddressList("https://a.example.com,http://b.example.com"); err == nil {
		t.Fatal("a bad element was accepted")
	}
}

func mustAddr(t *testing.T, s string) Address {
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
	cases := []struct {
		addr              Address
		proto, host, path string
		want              bool
	}{
		{a, "https", "ppm.example.com", "", true},
		{a, "https", "PPM.EXAMPLE.COM", "", true},
		{a, "https", "ppm.example.com:443", "", true},
		{a, "https", "ppm.example.com", "any/repo.git", true},
		{a, "http", "ppm.example.com", "", false},
		{a, "https", "ppm.example.com:8443", "", false},
		{a, "https", "ppm.example.com.evil.com", "", false},
		{a, "https", "evil-ppm.example.com", "", false},
		{a, "https", "ppm.example.co", "", false},
		{a, "https", "ppm.example.com.", "", false},
		{a, "https", "evil.com@ppm.example.com", "", false},
		{a, "https", "ppm.example.com@evil.com", "", false},
		{a, "https", "ppm.example.com\\@evil.com", "", false},
		{a, "https", "ppm%2eexample.com", "", false},
		{a, "https", "", "", false},
		{a, "", "ppm.example.com", "", false},
		{p, "https", "ppm.example.com", "team/repo.git", true},
		{p, "https", "ppm.example.com", "team", true},
		{p, "https", "ppm.example.com", "teammates/repo.git", false},
		{p, "https", "ppm.example.com", "other/repo.git", false},
		{p, "https", "ppm.example.com", "", true}, // git sends no path by default
	}
	for _, c := range cases {
		if got := c.addr.MatchGit(c.proto, c.host, c.path); got != c.want {
			t.Errorf("%s MatchGit(%q, %q, %q) = %v; want %v", c.addr.Raw, c.proto, c.host, c.path, got, c.want)
		}
	}
	v6 := mustAddr(t, "http://[::1]:8080")
	if !v6.MatchGit("http", "[::1]:8080", "") || v6.MatchGit("http", "[::1]:8081", "") {
		t.Error("IPv6 literal matching is wrong")
	}
}

func TestMatchService(t *testing.T) {
	a := mustAddr(t, "https://ppm.example.com")
	p := mustAddr(t, "https://ppm.example.com/ppm/")
	loop := mustAddr(t, "http://127.0.0.1:4242")
	cases := []struct {
		addr    Address
		service string
		want    bool
	}{
		{a, "https://ppm.example.com/pypi/latest/simple/", true},
		{a, "https://ppm.example.com/pypi/latest/simple", true},
		{a, "https://ppm.example.com", true},
		{a, "ppm.example.com", true},
		{a, "ppm.example.com:443", true},
		{a, "PPM.example.com", true},
		{a, "ppm.example.com:8443", false},
		{a, "http://ppm.example.com/pypi/", false},
		{a, "https://ppm.example.com.evil.com/simple/", false},
		{a, "ppm.example.com.evil.com", false},
		{a, "https://ppm.example.com@evil.com/", false},
		{a, "https://evil.com#@ppm.example.com", false},
		{a, "https://evil.com\\@ppm.example.com", false},
		{a, "https://evil.com/?u=https://ppm.example.com", false},
		{a, "https://__token__@ppm.example.com/simple/", false},
		{a, "", false},
		{p, "https://ppm.example.com/ppm/pypi/latest/simple/", true},
		{p, "https://ppm.example.com/ppmx/simple/", false},
		{p, "https://ppm.example.com/other/simple/", false},
		{p, "ppm.example.com", true},
		{loop, "http://127.0.0.1:4242/pypi/latest/simple/", true},
		{loop, "127.0.0.1:4242", true},
		{loop, "http://127.0.0.1:4242", true},
		{loop, "127.0.0.1", false},
		{loop, "https://127.0.0.1:4242/", false},
	}
	for _, c := range cases {
		if got := c.addr.MatchService(c.service); got != c.want {
			t.Errorf("%s MatchService(%q) = %v; want %v", c.addr.Raw, c.service, got, c.want)
		}
	}
}

func FuzzMatchService(f *testing.F) {
	for _, s := range []string{"https://ppm.example.com/simple/", "ppm.example.com", "ppm.example.com:443", "https://ppm.example.com.evil.com/", "https://a@ppm.example.com", "http://[::1]:80/", "%", "https://ppm.example.com:0443/x"} {
		f.Add(s)
	}
	a, _ := ParseAddress("https://ppm.example.com")
	f.Fuzz(func(t *testing.T, service string) {
		if !a.MatchService(service) {
			return
		}
		// Whatever matched must name exactly ppm.example.com (port 443 or none).
		host := service
		if i := strings.Index(host, "://"); i >= 0 {
			host = host[i+3:]
		}
		if i := strings.IndexAny(host, "/"); i >= 0 {
			host = host[:i]
		}
		h := strings.ToLower(host)
		h = strings.TrimSuffix(h, ":443")
		h = strings.TrimRight(strings.TrimSuffix(h, ":"), "")
		if h != "ppm.example.com" && !strings.HasPrefix(h, "ppm.example.com:0") && h != "ppm.example.com:" {
			t.Fatalf("service %q matched but names host %q", service, host)
		}
	})
}
