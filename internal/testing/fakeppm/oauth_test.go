package fakeppm

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDeviceStartRequests(t *testing.T) {
	s := start(t, Options{})
	for _, tc := range []struct {
		name       string
		form       url.Values
		wantStatus int
		wantError  string
	}{
		{"S256 with a challenge", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier)}}, 200, ""},
		{"no method", url.Values{"code_challenge": {challenge(verifier)}}, 400, "invalid_request"},
		{"plain method", url.Values{"code_challenge_method": {"plain"}, "code_challenge": {verifier}}, 400, "invalid_request"},
		{"lower-case s256", url.Values{"code_challenge_method": {"s256"}, "code_challenge": {challenge(verifier)}}, 400, "invalid_request"},
		{"no challenge", url.Values{"code_challenge_method": {"S256"}}, 400, "invalid_request"},
		{"challenge too short", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {"abc"}}, 400, "invalid_request"},
		{"challenge with padding", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier) + "="}}, 400, "invalid_request"},
		{"empty form", url.Values{}, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := post(t, s.URL()+"/__api__/device", tc.form)
			if a.status != tc.wantStatus || a.str("error") != tc.wantError {
				t.Errorf("got %d %v; want %d error %q", a.status, a.body, tc.wantStatus, tc.wantError)
			}
		})
	}
	if got := s.Counts().Device; got != 8 {
		t.Errorf("Counts.Device = %d after 8 requests", got)
	}
}

func TestDeviceStartRefusesJSONBodies(t *testing.T) {
	s := start(t, Options{})
	resp, err := client.Post(s.URL()+"/__api__/device", "application/json", strings.NewReader(`{"code_challenge_method":"S256","code_challenge":"`+challenge(verifier)+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("a JSON body got %d; want 400 (PPM takes forms)", resp.StatusCode)
	}
	resp, err = client.Get(s.URL() + "/__api__/device")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /__api__/device got %d; want 405", resp.StatusCode)
	}
}

func TestDeviceStartAnswer(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		opts                      Options
		wantInterval, wantExpires any // float64 as JSON decodes it, or nil when absent
	}{
		{"defaults", Options{}, 1.0, 300.0},
		{"chosen", Options{Interval: 3 * time.Second, DeviceExpiresIn: 42 * time.Second}, 3.0, 42.0},
		{"interval rounded up to whole seconds", Options{Interval: 1500 * time.Millisecond, DeviceExpiresIn: 2500 * time.Millisecond}, 2.0, 3.0},
		{"sub-second interval", Options{Interval: 10 * time.Millisecond}, 1.0, 300.0},
		{"omitted", Options{OmitInterval: true, OmitExpiresIn: true}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, tc.opts)
			a := post(t, s.URL()+"/__api__/device", url.Values{"code_challenge_method": {"S256"}, "code_challenge": {challenge(verifier)}})
			if a.status != 200 {
				t.Fatalf("got %d %v", a.status, a.body)
			}
			if got := a.body["interval"]; got != tc.wantInterval {
				t.Errorf("interval = %v; want %v", got, tc.wantInterval)
			}
			if got := a.body["expires_in"]; got != tc.wantExpires {
				t.Errorf("expires_in = %v; want %v", got, tc.wantExpires)
			}
			uc := a.str("user_code")
			if a.str("device_code") == "" || uc == "" {
				t.Errorf("no device_code or user_code: %v", a.body)
			}
			if got, want := a.str("verification_uri"), s.URL()+"/__login__/device"; got != want {
				t.Errorf("verification_uri = %q; want %q", got, want)
			}
			if got, want := a.str("verification_uri_complete"), s.ApproveURL(uc); got != want {
				t.Errorf("verification_uri_complete = %q; want %q", got, want)
			}
		})
	}
}

// step is one move in a device-flow scenario.
type step struct {
	advance   time.Duration // move the clock first
	do        string        // poll, poll-bad-verifier, approve, deny
	wantCode  int
	wantError string // OAuth error; "" for a 200 with an id_token
}

func TestDeviceAccessStates(t *testing.T) {
	for _, tc := range []struct {
		name         string
		opts         Options
		steps        []step
		wantSlowDown int
	}{
		{name: "pending", steps: []step{
			{do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{advance: time.Second, do: "poll", wantCode: 400, wantError: "authorization_pending"},
		}},
		{name: "slow_down grows the interval by 5 s each time", wantSlowDown: 2, steps: []step{
			{do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{advance: 500 * time.Millisecond, do: "poll", wantCode: 400, wantError: "slow_down"}, // interval now 6 s
			{advance: 5 * time.Second, do: "poll", wantCode: 400, wantError: "slow_down"},        // 5 s < 6 s; now 11 s
			{advance: 11 * time.Second, do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{advance: 11 * time.Second, do: "poll", wantCode: 400, wantError: "authorization_pending"},
		}},
		{name: "slow_down even once approved", wantSlowDown: 1, steps: []step{
			{do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{do: "approve", wantCode: 0},
			{do: "poll", wantCode: 400, wantError: "slow_down"},
			{advance: 6 * time.Second, do: "poll", wantCode: 200},
		}},
		{name: "approved answers once", steps: []step{
			{do: "approve"},
			{do: "poll", wantCode: 200},
			{advance: time.Second, do: "poll", wantCode: 400, wantError: "invalid_grant"},
		}},
		{name: "approved after pending", steps: []step{
			{do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{advance: time.Second, do: "approve"},
			{do: "poll", wantCode: 200},
		}},
		{name: "auto-approved", opts: Options{AutoApprove: true}, steps: []step{
			{do: "poll", wantCode: 200},
		}},
		{name: "denied", steps: []step{
			{do: "deny"},
			{do: "poll", wantCode: 400, wantError: "access_denied"},
			{advance: time.Second, do: "poll", wantCode: 400, wantError: "access_denied"},
		}},
		{name: "expired while pending", opts: Options{DeviceExpiresIn: 10 * time.Second}, steps: []step{
			{do: "poll", wantCode: 400, wantError: "authorization_pending"},
			{advance: 10 * time.Second, do: "poll", wantCode: 400, wantError: "expired_token"},
			{advance: time.Second, do: "approve", wantCode: -1}, // too late to approve
		}},
		{name: "expired before the approval was fetched", opts: Options{DeviceExpiresIn: 10 * time.Second}, steps: []step{
			{do: "approve"},
			{advance: 10 * time.Second, do: "poll", wantCode: 400, wantError: "expired_token"},
		}},
		{name: "bad verifier", steps: []step{
			{do: "poll-bad-verifier", wantCode: 400, wantError: "invalid_grant"},
			{do: "approve"},
			{do: "poll-bad-verifier", wantCode: 400, wantError: "invalid_grant"},
			// Bad verifiers do not count as polls, nor use the code up.
			{do: "poll", wantCode: 200},
		}},
		{name: "unknown device code", steps: []step{
			{do: "poll-unknown", wantCode: 400, wantError: "invalid_grant"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			opts := tc.opts
			opts.Now = clk.Now
			s := start(t, opts)
			dc, uc := startDevice(t, s)
			for i, st := range tc.steps {
				clk.Advance(st.advance)
				switch st.do {
				case "approve", "deny":
					decide := s.Approve
					if st.do == "deny" {
						decide = s.Deny
					}
					err := decide(uc)
					if (err != nil) != (st.wantCode == -1) {
						t.Fatalf("step %d: %s: %v", i, st.do, err)
					}
					continue
				}
				var a answer
				switch st.do {
				case "poll":
					a = poll(t, s, dc, verifier)
				case "poll-bad-verifier":
					a = poll(t, s, dc, verifier+"x")
				case "poll-unknown":
					a = poll(t, s, dc+"0", verifier)
				}
				if a.status != st.wantCode || a.str("error") != st.wantError {
					t.Fatalf("step %d (%s at +%v): got %d %v; want %d %q", i, st.do, st.advance, a.status, a.body, st.wantCode, st.wantError)
				}
				if a.status == 200 {
					if a.str("id_token") == "" || a.body["access_token"] != nil || len(a.body) != 1 {
						t.Fatalf("step %d: the approved answer has the fields %v; want an id_token only", i, keys(a.body))
					}
					if x := exchange(t, s, a.str("id_token")); x.status != 200 {
						t.Fatalf("step %d: the id_token from the device flow is refused by the exchange: %d %v", i, x.status, x.body)
					}
				}
			}
			if got := s.Counts().SlowDown; got != tc.wantSlowDown {
				t.Errorf("Counts.SlowDown = %d; want %d", got, tc.wantSlowDown)
			}
		})
	}
}

func keys(m map[string]any) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	return k
}

func TestVerificationPages(t *testing.T) {
	s := start(t, Options{})
	resp, body := get(t, s.URL()+"/__login__/device", "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `name="user_code"`) {
		t.Errorf("the bare verification page: %d %s", resp.StatusCode, body)
	}

	dc, uc := startDevice(t, s)
	resp, body = get(t, s.ApproveURL(uc), "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Approved") {
		t.Errorf("opening verification_uri_complete: %d %s", resp.StatusCode, body)
	}
	if a := poll(t, s, dc, verifier); a.status != 200 {
		t.Errorf("poll after the page approved: %d %v", a.status, a.body)
	}
	resp, _ = get(t, s.ApproveURL(uc), "", "")
	if resp.StatusCode != 400 {
		t.Errorf("approving a used code again: %d; want 400", resp.StatusCode)
	}

	dc, uc = startDevice(t, s)
	resp, body = get(t, s.DenyURL(strings.ToLower(uc)), "", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Denied") {
		t.Errorf("opening the deny page (lower-case code): %d %s", resp.StatusCode, body)
	}
	if a := poll(t, s, dc, verifier); a.str("error") != "access_denied" {
		t.Errorf("poll after the page denied: %d %v", a.status, a.body)
	}
	if err := s.Approve(uc); err == nil {
		t.Errorf("Approve after Deny succeeded")
	}

	resp, body = get(t, s.ApproveURL("NOPE-0000"), "", "")
	if resp.StatusCode != 400 || !strings.Contains(string(body), "NOPE-0000") {
		t.Errorf("an unknown code: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, s.ApproveURL(`<script>`), "", "")
	if resp.StatusCode != 400 || strings.Contains(string(body), "<script>") {
		t.Errorf("the page echoes markup unescaped: %s", body)
	}
	if c := s.Counts(); c.Approved != 1 || c.Denied != 1 {
		t.Errorf("Counts Approved=%d Denied=%d; want 1 and 1", c.Approved, c.Denied)
	}
}

func TestExchange(t *testing.T) {
	clk := newClock()
	s := start(t, Options{Now: clk.Now, TokenLifetime: 90 * time.Minute})
	other := start(t, Options{Now: clk.Now})
	idp := func(claims map[string]any) string { return signJWT(s.idpKey, claims) }
	now := clk.Now().Unix()
	unsigned := func(tok string) string { return tok[:strings.LastIndex(tok, ".")+1] }
	noneHeader := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0" // {"alg":"none","typ":"JWT"}
	valid := s.IssueIdentityToken("alice")

	for _, tc := range []struct {
		name      string
		form      url.Values
		wantError string
	}{
		{"valid identity token", nil, ""},
		{"wrong grant_type", url.Values{"grant_type": {"authorization_code"}}, "unsupported_grant_type"},
		{"no grant_type", url.Values{"grant_type": {""}}, "unsupported_grant_type"},
		{"wrong subject_token_type", url.Values{"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"}}, "invalid_request"},
		{"no subject_token", url.Values{"subject_token": {""}}, "invalid_request"},
		{"garbage", url.Values{"subject_token": {"not-a-jwt"}}, "invalid_grant"},
		{"expired", url.Values{"subject_token": {s.IssueIdentityTokenFor("alice", 0)}}, "invalid_grant"},
		{"unsigned", url.Values{"subject_token": {unsigned(valid)}}, "invalid_grant"},
		{"alg none", url.Values{"subject_token": {noneHeader + "." + strings.Split(valid, ".")[1] + "."}}, "invalid_grant"},
		{"another IdP's key", url.Values{"subject_token": {other.IssueIdentityToken("alice")}}, "invalid_grant"},
		{"a PPM token", url.Values{"subject_token": {ppmToken(t, s, "alice")}}, "invalid_grant"},
		{"wrong issuer", url.Values{"subject_token": {idp(map[string]any{"iss": "evil", "aud": "packagemanager", "sub": "a", "exp": now + 60})}}, "invalid_grant"},
		{"wrong audience", url.Values{"subject_token": {idp(map[string]any{"iss": idpIssuer, "aud": "other", "sub": "a", "exp": now + 60})}}, "invalid_grant"},
		{"audience list", url.Values{"subject_token": {idp(map[string]any{"iss": idpIssuer, "aud": []string{"x", "packagemanager"}, "sub": "a", "exp": now + 60})}}, ""},
		{"no subject", url.Values{"subject_token": {idp(map[string]any{"iss": idpIssuer, "aud": "packagemanager", "exp": now + 60})}}, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{
				"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
				"subject_token":      {valid},
				"subject_token_type": {"urn:ietf:params:oauth:token-type:id_token"},
			}
			for k, v := range tc.form {
				form[k] = v
			}
			a := post(t, s.URL()+"/__api__/token", form)
			if tc.wantError != "" {
				if a.status != 400 || a.str("error") != tc.wantError || a.str("error_description") == "" {
					t.Fatalf("got %d %v; want 400 %q with a description", a.status, a.body, tc.wantError)
				}
				if d := a.str("error_description"); form.Get("subject_token") != "" && strings.Contains(d, form.Get("subject_token")) {
					t.Errorf("the error echoes the subject token")
				}
				return
			}
			if a.status != 200 {
				t.Fatalf("got %d %v; want 200", a.status, a.body)
			}
			if a.str("token_type") != "Bearer" || a.str("issued_token_type") != "urn:ietf:params:oauth:token-type:access_token" || a.body["expires_in"] != 5400.0 {
				t.Errorf("answer %v", a.body)
			}
			tok := a.str("access_token")
			c := jwtClaims(t, tok)
			if c["aud"] != "packagemanager" || c["iss"] != "packagemanager" || c["sub"] == "" || c["iat"] != float64(now) || c["exp"] != float64(now+5400) {
				t.Errorf("PPM token claims %v", c)
			}
			if !s.ValidToken(tok) {
				t.Errorf("the issued token is not valid")
			}
		})
	}
}

func TestExchangeTokenLifetimes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lifetime time.Duration
		wantExp  bool
		wantIn   any
	}{
		{"default 1 h", 0, true, 3600.0},
		{"2 s", 2 * time.Second, true, 2.0},
		{"never expires", -1, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			s := start(t, Options{Now: clk.Now, TokenLifetime: tc.lifetime})
			a := exchange(t, s, s.IssueIdentityToken("bob"))
			if a.status != 200 || a.body["expires_in"] != tc.wantIn {
				t.Fatalf("got %d %v; want expires_in %v", a.status, a.body, tc.wantIn)
			}
			c := jwtClaims(t, a.str("access_token"))
			if _, ok := c["exp"]; ok != tc.wantExp {
				t.Errorf("exp claim present = %v; want %v (%v)", ok, tc.wantExp, c)
			}
			clk.Advance(365 * 24 * time.Hour)
			if got := s.ValidToken(a.str("access_token")); got == tc.wantExp {
				t.Errorf("after a year ValidToken = %v", got)
			}
		})
	}
}

func TestTokensAreDistinct(t *testing.T) {
	clk := newClock() // the same second for every token
	s := start(t, Options{Now: clk.Now})
	seen := map[string]bool{}
	for range 5 {
		tok := ppmToken(t, s, "same")
		if seen[tok] {
			t.Fatalf("two exchanges in one second issued the same token")
		}
		seen[tok] = true
	}
	if got := s.Counts().Exchange; got != 5 {
		t.Errorf("Counts.Exchange = %d; want 5", got)
	}
}

// TestDeviceAccessOutage: the first polls are a proxy's 502 page, then the
// server answers as usual, the approval included.
func TestDeviceAccessOutage(t *testing.T) {
	s := New(Options{AutoApprove: true, DeviceAccessOutage: 2})
	defer s.Close()
	dc, _ := startDevice(t, s)
	for i := 0; i < 2; i++ {
		if _, err := postErr(s.URL()+"/__api__/device_access", url.Values{"device_code": {dc}, "code_verifier": {verifier}}); err == nil || !strings.Contains(err.Error(), "text/html") {
			t.Fatalf("poll %d during the outage: %v; want the 502 page", i+1, err)
		}
	}
	if a := poll(t, s, dc, verifier); a.status != 200 || a.str("id_token") == "" {
		t.Fatalf("the poll after the outage: %d %v; want the approval", a.status, a.body)
	}
	if c := s.Counts(); c.DeviceAccess != 3 {
		t.Errorf("counts %+v; want 3 polls", c)
	}
}
