package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestBrowserCommand(t *testing.T) {
	installed := map[string]bool{"firefox": true, "xdg-open": true, "wslview": true, "cmd.exe": true, "/opt/b/browser": true, `C:\Program Files\B\b.exe`: true, "chrome": true}
	tests := []struct {
		name      string
		goos      string
		env       map[string]string
		installed []string // nil = everything in installed
		wsl       bool     // /proc/version says WSL
		want      []string
		why       string // part of the reason when want is nil
	}{
		{"BROWSER, one command", "linux", map[string]string{"BROWSER": "firefox"}, nil, false, []string{"firefox"}, ""},
		{"BROWSER with %s and arguments", "linux", map[string]string{"BROWSER": "firefox --new-window %s"}, nil, false, []string{"firefox", "--new-window", "%s"}, ""},
		{"BROWSER list, first missing", "linux", map[string]string{"BROWSER": "nosuch:/opt/b/browser '--x y' %s:firefox"}, nil, false, []string{"/opt/b/browser", "--x y", "%s"}, ""},
		{"BROWSER list, none found", "linux", map[string]string{"BROWSER": "nosuch:other"}, nil, false, nil, "nosuch, other"},
		{"BROWSER empty entries", "linux", map[string]string{"BROWSER": "::"}, nil, false, nil, "no command"},
		{"BROWSER bad quoting", "linux", map[string]string{"BROWSER": "'firefox"}, nil, false, nil, "unterminated"},
		{"BROWSER wins over SSH and no display", "linux", map[string]string{"BROWSER": "firefox", "SSH_CONNECTION": "1 2 3 4"}, nil, false, []string{"firefox"}, ""},
		{"BROWSER on Windows: ; separates, \\ is a path", "windows", map[string]string{"BROWSER": `nosuch;"C:\Program Files\B\b.exe" %s`}, nil, false, []string{`C:\Program Files\B\b.exe`, "%s"}, ""},
		{"BROWSER with a backslash escape", "linux", map[string]string{"BROWSER": `fire\fox`}, nil, false, []string{"firefox"}, ""},
		{"Linux desktop (X11)", "linux", map[string]string{"DISPLAY": ":0"}, nil, false, []string{"xdg-open"}, ""},
		{"Linux desktop (Wayland)", "linux", map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, nil, false, []string{"xdg-open"}, ""},
		{"FreeBSD desktop", "freebsd", map[string]string{"DISPLAY": ":0"}, nil, false, []string{"xdg-open"}, ""},
		{"no xdg-open", "linux", map[string]string{"DISPLAY": ":0"}, []string{"firefox"}, false, nil, "xdg-open is not installed"},
		{"no display", "linux", nil, nil, false, nil, "no display"},
		{"SSH without BROWSER", "linux", map[string]string{"SSH_CONNECTION": "10.0.0.1 22 10.0.0.2 5000", "DISPLAY": "localhost:10.0"}, nil, false, nil, "SSH"},
		{"SSH_TTY", "darwin", map[string]string{"SSH_TTY": "/dev/ttys001"}, nil, false, nil, "SSH"},
		{"macOS", "darwin", nil, nil, false, []string{"open"}, ""},
		{"Windows", "windows", nil, nil, false, []string{"rundll32", "url.dll,FileProtocolHandler"}, ""},
		{"WSL with wslview", "linux", map[string]string{"WSL_DISTRO_NAME": "Debian"}, nil, false, []string{"wslview"}, ""},
		{"WSL without wslview", "linux", map[string]string{"WSL_DISTRO_NAME": "Debian", "DISPLAY": ":0"}, []string{"cmd.exe", "xdg-open"}, false, []string{"cmd.exe", "/c", "start", "%s"}, ""},
		{"WSL from /proc/version", "linux", nil, []string{"cmd.exe"}, true, []string{"cmd.exe", "/c", "start", "%s"}, ""},
		{"WSL with neither", "linux", map[string]string{"WSL_INTEROP": "/run/WSL/1_interop"}, []string{"xdg-open"}, false, nil, "WSL"},
		{"WSL over SSH", "linux", map[string]string{"WSL_DISTRO_NAME": "Debian", "SSH_CLIENT": "1 2 3"}, nil, false, nil, "SSH"},
		{"Plan 9", "plan9", nil, nil, false, nil, "plan9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			have := installed
			if tt.installed != nil {
				have = map[string]bool{}
				for _, p := range tt.installed {
					have[p] = true
				}
			}
			argv, ok, why := browserCommand(browserEnv{
				getenv: func(k string) string { return tt.env[k] },
				goos:   tt.goos,
				lookPath: func(p string) (string, error) {
					if have[p] {
						return p, nil
					}
					return "", errors.New("not found")
				},
				isWSL: func() bool { return tt.wsl },
			})
			if tt.want == nil {
				if ok || argv != nil || !strings.Contains(why, tt.why) {
					t.Fatalf("browserCommand = (%q, %v, %q); want no browser because of %q", argv, ok, why, tt.why)
				}
				return
			}
			if !ok || !reflect.DeepEqual(argv, tt.want) || why != "" {
				t.Fatalf("browserCommand = (%q, %v, %q); want %q", argv, ok, why, tt.want)
			}
		})
	}
}

func TestBrowserArgs(t *testing.T) {
	const url = "https://ppm.example.com/__login__/device?user_code=ABCD-EFGH"
	tests := []struct {
		argv []string
		want []string
	}{
		{[]string{"xdg-open"}, []string{"xdg-open", url}},
		{[]string{"firefox", "--new-window", "%s"}, []string{"firefox", "--new-window", url}},
		{[]string{"b", "--url=%s", "--again=%s"}, []string{"b", "--url=" + url, "--again=" + url}},
		{[]string{"cmd.exe", "/c", "start", "%s"}, []string{"cmd.exe", "/c", "start", url}},
		{[]string{`C:\Windows\System32\CMD.EXE`, "/c", "start"}, []string{`C:\Windows\System32\CMD.EXE`, "/c", "start", "https://x/?a=1^&b=^(2^)"}},
	}
	for _, tt := range tests {
		u := url
		if strings.HasPrefix(tt.argv[0], `C:\`) {
			u = "https://x/?a=1&b=(2)"
		}
		if got := browserArgs(tt.argv, u); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("browserArgs(%q) = %q; want %q", tt.argv, got, tt.want)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		bs   bool
		want []string
	}{
		{"", true, nil},
		{"  a  b\tc ", true, []string{"a", "b", "c"}},
		{`a 'b c' "d \"e\" \$f" g\ h`, true, []string{"a", "b c", `d "e" $f`, "g h"}},
		{`a''b ""`, true, []string{"ab", ""}},
		{`"C:\Program Files\x.exe" %s`, false, []string{`C:\Program Files\x.exe`, "%s"}},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in, tt.bs)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitCommand(%q) = (%q, %v); want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{`'a`, `"a`, `a "b\"`} {
		if _, err := splitCommand(bad, true); err == nil {
			t.Errorf("splitCommand(%q) succeeded; want an error", bad)
		}
	}
}

// writeScript writes an executable shell script.
func writeScript(t *testing.T, name, body string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the browser tests use shell scripts")
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skipf("no /bin/sh: %v", err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// The BROWSER variable, from the environment to the command's argv.
func TestOpenBrowserWithBROWSER(t *testing.T) {
	const url = "https://ppm.example.com/__login__/device?user_code=ABCD-EFGH"
	out := filepath.Join(t.TempDir(), "argv")
	script := writeScript(t, "my browser", `for a in "$@"; do printf '%s\n' "$a"; done > "`+out+`"`+"\n")
	tests := []struct {
		browser string
		want    string
	}{
		{"/nonexistent/browser:'" + script + "'", url + "\n"},
		{"'" + script + "' --new-window '%s' 'two words'", "--new-window\n" + url + "\ntwo words\n"},
	}
	for _, tt := range tests {
		argv, ok, why := Command(func(k string) string {
			if k == "BROWSER" {
				return tt.browser
			}
			return ""
		}, runtime.GOOS)
		if !ok {
			t.Fatalf("Command with BROWSER=%q: no browser (%s)", tt.browser, why)
		}
		// A long grace: the script exits at once, and Open returns
		// as soon as it has.
		if err := openBrowser(context.Background(), argv, url, time.Minute); err != nil {
			t.Fatalf("Open: %v", err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("the browser script did not run: %v", err)
		}
		if string(b) != tt.want {
			t.Errorf("BROWSER=%q: the browser got argv %q; want %q", tt.browser, b, tt.want)
		}
	}
}

func TestOpenBrowserFailures(t *testing.T) {
	failing := writeScript(t, "failing", "exit 3\n")
	if err := openBrowser(context.Background(), []string{failing}, "https://x/", time.Minute); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("a browser exiting with status 3: %v; want an error saying so", err)
	}
	missing := filepath.Join(t.TempDir(), "nosuch")
	if err := openBrowser(context.Background(), []string{missing}, "https://x/", time.Minute); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("a browser that does not exist: %v; want an error naming it", err)
	}
	if err := Open(context.Background(), nil, "https://x/"); err == nil {
		t.Error("Open with no command succeeded")
	}
	// A browser that stays in the foreground does not hold up the login.
	hanging := writeScript(t, "hanging", "exec sleep 5\n")
	if err := openBrowser(context.Background(), []string{hanging}, "https://x/", 10*time.Millisecond); err != nil {
		t.Errorf("a browser still running after the grace period: %v; want nil", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := openBrowser(ctx, []string{hanging}, "https://x/", time.Minute); err != nil {
		t.Errorf("a browser still running when the context ends: %v; want nil", err)
	}
}
