package fakeppm

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRepositoryBasicAuth(t *testing.T) {
	clk := newClock()
	s := start(t, Options{Now: clk.Now, TokenLifetime: time.Hour})
	other := start(t, Options{Now: clk.Now})
	never := start(t, Options{Now: clk.Now, TokenLifetime: -1})

	good := ppmToken(t, s, "alice")
	expiring := ppmToken(t, s, "alice") // checked after the clock moves
	clk.Advance(30 * time.Minute)
	fresh := ppmToken(t, s, "alice") // 30 min younger: still valid after the move
	noExp := ppmToken(t, never, "alice")

	type cred struct{ user, pass string }
	cases := []struct {
		name  string
		srv   *Server
		cred  *cred
		after func()
		want  int
	}{
		{"valid", s, &cred{"__token__", good}, nil, 200},
		{"no credentials", s, nil, nil, 401},
		{"wrong user", s, &cred{"alice", good}, nil, 401},
		{"empty user", s, &cred{"", good}, nil, 401},
		{"garbage", s, &cred{"__token__", "x.y.z"}, nil, 401},
		{"empty password", s, &cred{"__token__", ""}, nil, 401},
		{"identity token", s, &cred{"__token__", s.IssueIdentityToken("alice")}, nil, 401},
		{"another server's token", s, &cred{"__token__", ppmToken(t, other, "alice")}, nil, 401},
		{"truncated signature", s, &cred{"__token__", good[:len(good)-2]}, nil, 401},
		{"token without exp", never, &cred{"__token__", noExp}, nil, 200},
		{"expired", s, &cred{"__token__", expiring}, func() { clk.Advance(31 * time.Minute) }, 401},
		{"younger token still valid", s, &cred{"__token__", fresh}, nil, 200},
		{"revoked", s, &cred{"__token__", fresh}, s.RevokeAll, 401},
		{"issued after RevokeAll", s, &cred{"__token__", ""}, nil, 200}, // password filled below
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.after != nil {
				tc.after()
			}
			if tc.name == "issued after RevokeAll" {
				tc.cred.pass = ppmToken(t, s, "alice")
			}
			before := tc.srv.Counts()
			var resp *http.Response
			if tc.cred == nil {
				resp, _ = get(t, tc.srv.IndexURL(), "", "")
			} else {
				resp, _ = get(t, tc.srv.IndexURL(), tc.cred.user, tc.cred.pass)
				if got := tc.srv.ValidToken(tc.cred.pass); tc.cred.user == "__token__" && got != (tc.want == 200) {
					t.Errorf("ValidToken = %v", got)
				}
			}
			if resp.StatusCode != tc.want {
				t.Fatalf("got %d; want %d", resp.StatusCode, tc.want)
			}
			after := tc.srv.Counts()
			if after.Repo != before.Repo+1 {
				t.Errorf("Counts.Repo went from %d to %d", before.Repo, after.Repo)
			}
			wantUnauth := before.Unauthorized
			if tc.want == 401 {
				wantUnauth++
				if got := resp.Header.Get("WWW-Authenticate"); got != `Basic realm="Posit Package Manager"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			}
			if after.Unauthorized != wantUnauth {
				t.Errorf("Counts.Unauthorized = %d; want %d", after.Unauthorized, wantUnauth)
			}
		})
	}
}

func TestEveryRepositoryPathNeedsAToken(t *testing.T) {
	s := start(t, Options{})
	for _, u := range []string{
		s.IndexURL(),
		s.IndexURL() + s.WheelName() + "/",
		s.URL() + "/pypi/latest/files/" + s.WheelFile(),
		s.GitRepoURL() + "/info/refs?service=git-upload-pack",
		s.UploadURL(),
	} {
		resp, _ := get(t, u, "", "")
		if resp.StatusCode != 401 {
			t.Errorf("GET %s without a token: %d; want 401", u, resp.StatusCode)
		}
	}
	if c := s.Counts(); c.Repo != 5 || c.Unauthorized != 5 {
		t.Errorf("Counts Repo=%d Unauthorized=%d; want 5 and 5", c.Repo, c.Unauthorized)
	}
}

func TestIndexServesTheWheel(t *testing.T) {
	s := start(t, Options{})
	tok := ppmToken(t, s, "alice")
	resp, body := get(t, s.IndexURL(), "__token__", tok)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `href="ppm-demo/"`) {
		t.Fatalf("root index: %d %s", resp.StatusCode, body)
	}
	for _, name := range []string{"PPM_Demo", "ppm.demo", "ppm-demo"} {
		resp, _ := get(t, s.IndexURL()+name, "__token__", tok)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/pypi/latest/simple/ppm-demo/" {
			t.Errorf("GET simple/%s: %d → %q; want a redirect to the normalised URL", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ = get(t, s.IndexURL()+"no-such-project/", "__token__", tok)
	if resp.StatusCode != 404 {
		t.Errorf("unknown project: %d; want 404", resp.StatusCode)
	}

	resp, body = get(t, s.IndexURL()+"ppm-demo/", "__token__", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("project page: %d", resp.StatusCode)
	}
	sum := sha256.Sum256(s.WheelBytes())
	link := fmt.Sprintf(`href="../../files/%s#sha256=%s"`, s.WheelFile(), hex.EncodeToString(sum[:]))
	if !strings.Contains(string(body), link) {
		t.Fatalf("project page lacks %s:\n%s", link, body)
	}
	fileURL, _ := url.Parse(s.IndexURL() + "ppm-demo/")
	fileURL = fileURL.ResolveReference(&url.URL{Path: "../../files/" + s.WheelFile()})
	resp, body = get(t, fileURL.String(), "__token__", tok)
	if resp.StatusCode != 200 || !bytes.Equal(body, s.WheelBytes()) {
		t.Fatalf("GET %s: %d, %d bytes; want the wheel", fileURL, resp.StatusCode, len(body))
	}
	resp, _ = get(t, s.URL()+"/pypi/latest/files/other.whl", "__token__", tok)
	if resp.StatusCode != 404 {
		t.Errorf("unknown file: %d; want 404", resp.StatusCode)
	}
}

// TestWheelRecord checks the wheel the way an installer does: every file
// but RECORD is listed with its size and urlsafe-base64 sha256.
func TestWheelRecord(t *testing.T) {
	w := buildWheel()
	if w.filename != "ppm_demo-1.0.0-py3-none-any.whl" || w.project != "ppm-demo" {
		t.Fatalf("wheel %s / %s", w.filename, w.project)
	}
	zr, err := zip.NewReader(bytes.NewReader(w.data), int64(len(w.data)))
	if err != nil {
		t.Fatalf("the wheel is not a zip: %v", err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	record, ok := files["ppm_demo-1.0.0.dist-info/RECORD"]
	if !ok {
		t.Fatalf("no RECORD in %v", zr.File)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(record)), "\n") {
		f := strings.Split(line, ",")
		if len(f) != 3 {
			t.Fatalf("RECORD line %q", line)
		}
		listed[f[0]] = true
		if strings.HasSuffix(f[0], "/RECORD") {
			continue
		}
		sum := sha256.Sum256(files[f[0]])
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); f[1] != want || f[2] != fmt.Sprint(len(files[f[0]])) {
			t.Errorf("RECORD %q; want %s,%d", line, want, len(files[f[0]]))
		}
	}
	for name := range files {
		if !listed[name] {
			t.Errorf("%s is not in RECORD", name)
		}
	}
	for _, name := range []string{"ppm_demo/__init__.py", "ppm_demo-1.0.0.dist-info/METADATA", "ppm_demo-1.0.0.dist-info/WHEEL"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the wheel lacks %s", name)
		}
	}
}

// upload builds the multipart body twine sends.
func upload(t *testing.T, s *Server, tok string, fields map[string]string, filename string, content []byte) int {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("content", filename)
		fw.Write(content)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", s.UploadURL(), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.SetBasicAuth("__token__", tok)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUpload(t *testing.T) {
	s := start(t, Options{})
	tok := ppmToken(t, s, "alice")
	data := s.WheelBytes()
	sum := sha256.Sum256(data)
	ok := map[string]string{":action": "file_upload", "name": "ppm-demo", "version": "1.0.0", "sha256_digest": hex.EncodeToString(sum[:])}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range ok {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name     string
		fields   map[string]string
		filename string
		content  []byte
		want     int
	}{
		{"twine's form", ok, "dist/" + s.WheelFile(), data, 200},
		{"no digest", with("sha256_digest", ""), "b.whl", data, 200},
		{"wrong digest", with("sha256_digest", strings.Repeat("0", 64)), "c.whl", data, 400},
		{"wrong action", with(":action", "submit"), "d.whl", data, 400},
		{"no name", with("name", ""), "e.whl", data, 400},
		{"no file", ok, "", nil, 400},
		{"empty file", with("sha256_digest", ""), "f.whl", nil, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := upload(t, s, tok, tc.fields, tc.filename, tc.content); got != tc.want {
				t.Errorf("got %d; want %d", got, tc.want)
			}
		})
	}
	if got := s.Uploads(); len(got) != 2 || got[0] != s.WheelFile() || got[1] != "b.whl" {
		t.Errorf("Uploads = %v; want [%s b.whl]", got, s.WheelFile())
	}
	if c := s.Counts(); c.Upload != 2 {
		t.Errorf("Counts.Upload = %d; want 2", c.Upload)
	}
	if got := upload(t, s, "bad", ok, "g.whl", data); got != 401 {
		t.Errorf("upload with a bad token: %d; want 401", got)
	}
}

// login goes through a whole device login, the exchange and an index
// request, returning the first thing that went wrong.
func login(s *Server) error {
	a, err := postErr(s.URL()+"/__api__/device", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier)}})
	if err != nil {
		return err
	}
	if err := s.Approve(a.str("user_code")); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	p, err := postErr(s.URL()+"/__api__/device_access", url.Values{"device_code": {a.str("device_code")}, "code_verifier": {verifier}})
	if err != nil || p.status != 200 {
		return fmt.Errorf("device_access: %v %v", err, p.body)
	}
	x, err := postErr(s.URL()+"/__api__/token", url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"subject_token":      {p.str("id_token")},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
	})
	if err != nil || x.status != 200 {
		return fmt.Errorf("token: %v %v", err, x.body)
	}
	req, _ := http.NewRequest("GET", s.IndexURL(), nil)
	req.SetBasicAuth("__token__", x.str("access_token"))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("index: %d", resp.StatusCode)
	}
	return nil
}

// TestConcurrentClients runs whole logins from many goroutines at once; the
// counters must add up exactly and the race detector must stay quiet.
func TestConcurrentClients(t *testing.T) {
	s := start(t, Options{})
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := login(s); err != nil {
				errs <- fmt.Sprintf("client %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	want := Counts{Device: n, DeviceAccess: n, Exchange: n, Repo: n, Approved: n}
	if got := s.Counts(); got != want {
		t.Errorf("Counts = %+v; want %+v", got, want)
	}
}

func TestLogNeverShowsTokens(t *testing.T) {
	var mu sync.Mutex
	var log strings.Builder
	s := start(t, Options{Logf: func(format string, args ...any) {
		mu.Lock()
		fmt.Fprintf(&log, format+"\n", args...)
		mu.Unlock()
	}})
	id := s.IssueIdentityToken("alice")
	tok := ppmToken(t, s, "alice")
	dc, uc := startDevice(t, s)
	get(t, s.ApproveURL(uc), "", "")
	p := poll(t, s, dc, verifier)
	get(t, s.IndexURL(), "__token__", tok)
	get(t, s.IndexURL(), "__token__", tok+"x")
	exchange(t, s, id+"x")
	upload(t, s, tok, map[string]string{":action": "file_upload", "name": "n", "version": "1"}, "x.whl", []byte("x"))
	s.RevokeAll()
	get(t, s.IndexURL(), "__token__", tok)

	mu.Lock()
	out := log.String()
	mu.Unlock()
	for name, secret := range map[string]string{"PPM token": tok, "identity token": id, "id_token": p.str("id_token"), "device code": dc, "user code": uc, "verifier": verifier} {
		if strings.Contains(out, secret) {
			t.Errorf("the log shows the %s:\n%s", name, out)
		}
	}
	for _, want := range []string{"POST /__api__/token → 200", "→ 401 (token refused: revoked)", "→ 401 (token refused: bad signature)", "invalid_grant", "(received x.whl)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %q:\n%s", want, out)
		}
	}
}
