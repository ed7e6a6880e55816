package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's log goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunServesUntilStopped(t *testing.T) {
	idFile := filepath.Join(t.TempDir(), "id")
	outR, outW := io.Pipe()
	var stderr syncBuffer
	stop := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"-addr", "127.0.0.1:0", "-identity-token-file", idFile, "-token-lifetime", "2m"}, outW, &stderr, stop)
		outW.Close()
	}()

	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first stdout line: %v (stderr: %s)", err, stderr.String())
	}
	m := regexp.MustCompile(`^fakeppm listening on (http://127\.0\.0\.1:[0-9]+)\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("first stdout line %q; want \"fakeppm listening on http://127.0.0.1:PORT\"", line)
	}
	base := m[1]
	go io.Copy(io.Discard, outR) // nothing else is expected, but never block the server

	fi, err := os.Stat(idFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity token file: %v %v; want mode 0600", err, fi)
	}
	raw, _ := os.ReadFile(idFile)
	id := strings.TrimSpace(string(raw))
	resp, err := http.PostForm(base+"/__api__/token", url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {id},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if resp.StatusCode != 200 || ans.AccessToken == "" || ans.ExpiresIn != 120 {
		t.Fatalf("exchanging the written identity token: %d, expires_in %d", resp.StatusCode, ans.ExpiresIn)
	}
	req, _ := http.NewRequest("GET", base+"/pypi/latest/simple/", nil)
	req.SetBasicAuth("__token__", ans.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the index with the issued token: %d", resp.StatusCode)
	}

	stop <- syscall.SIGTERM
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit status %d after SIGTERM; want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after SIGTERM")
	}
	log := stderr.String()
	if !strings.Contains(log, "GET /pypi/latest/simple/ → 200") || !strings.Contains(log, "POST /__api__/token → 200") {
		t.Errorf("stderr lacks the request log:\n%s", log)
	}
	for name, secret := range map[string]string{"identity token": id, "PPM token": ans.AccessToken} {
		if strings.Contains(log, secret) {
			t.Errorf("stderr shows the %s", name)
		}
	}
	if _, err := http.Get(base + "/"); err == nil {
		t.Errorf("the server still answers after run returned")
	}
}

func TestRunRefusesBadArguments(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
		says string
	}{
		{"not loopback", []string{"-addr", "0.0.0.0:0"}, 1, "not a loopback address"},
		{"no port", []string{"-addr", "127.0.0.1"}, 1, "not host:port"},
		{"unknown flag", []string{"-bogus"}, 2, "flag provided but not defined"},
		{"stray argument", []string{"serve"}, 2, `unexpected argument "serve"`},
		{"unwritable identity file", []string{"-identity-token-file", "/nonexistent/dir/id"}, 1, "cannot write the identity token file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			stop := make(chan os.Signal, 1)
			stop <- syscall.SIGTERM // if it starts after all, it stops at once
			if got := run(tc.args, &stdout, &stderr, stop); got != tc.want {
				t.Errorf("exit status %d; want %d (stderr: %s)", got, tc.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.says) {
				t.Errorf("stderr %q; want it to say %q", stderr.String(), tc.says)
			}
			if stdout.String() != "" {
				t.Errorf("stdout %q; want nothing when it does not start", stdout.String())
			}
		})
	}
}
