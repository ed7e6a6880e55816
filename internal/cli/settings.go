package cli

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// setting is one environment variable the helper reads. The list below is
// the only one: the usage text, `status` and the README check
// (TestREADMEListsEverySetting) all read it.
type setting struct {
	name    string
	meaning string   // one line, for the usage text
	values  []string // the allowed values (compared lower-case); nil: free text
	// check, when not nil, validates a free-text value.
	check func(raw string) error
	// secret: status says only that it is set, never its value.
	secret bool
}

var settings = []setting{
	{name: "PACKAGEMANAGER_ADDRESS", meaning: "Package Manager URL(s), comma-separated; overrides the address setup remembered"},
	{name: "PACKAGEMANAGER_IDENTITY_TOKEN_FILE", meaning: "OIDC identity token file to exchange (CI); no device flow"},
	{name: "PACKAGEMANAGER_IDENTITY_TOKEN", meaning: "the OIDC identity token itself, when no file is set", secret: true},
	{name: "ACTIONS_ID_TOKEN_REQUEST_URL", meaning: "GitHub Actions: where the job's OIDC token is fetched"},
	{name: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", meaning: "GitHub Actions: the bearer token for that request", secret: true},
	{name: "PACKAGEMANAGER_IDENTITY_AUDIENCE", meaning: "audience asked for a fetched CI identity token"},
	{name: "PACKAGEMANAGER_TOKEN", meaning: "a static token, served as is, never stored", secret: true},
	{name: "PACKAGEMANAGER_SSO_TOKEN_FILE", meaning: "the file store (default ~/.ppm/tokens.toml)"},
	{name: "PPM_CREDENTIAL_STORE", meaning: "where tokens are kept", values: []string{"auto", "keychain", "wincred", "secretservice", "file"}},
	{name: "PPM_CREDENTIAL_INTERACTIVE", meaning: "whether a login may start (GIT_TERMINAL_PROMPT=0 also means never)", values: []string{"auto", "never"}},
	{name: "PPM_CREDENTIAL_TRACE", meaning: "1 (stderr), 0 (off) or an absolute file path; secrets are redacted", check: checkTrace},
	{name: "PPM_CREDENTIAL_QR", meaning: "QR code of the login page when no browser opens", values: []string{"auto", "0"}},
	{name: "BROWSER", meaning: "command that opens the login page"},
	{name: "SSL_CERT_FILE", meaning: "extra certificate authorities (added to the system's)"},
	{name: "SSL_CERT_DIR", meaning: "a directory of extra certificate authorities"},
	{name: "REQUESTS_CA_BUNDLE", meaning: "extra certificate authorities, as pip and requests read them"},
	{name: "HTTPS_PROXY", meaning: "proxy for https requests", secret: true},
	{name: "HTTP_PROXY", meaning: "proxy for http requests", secret: true},
	{name: "ALL_PROXY", meaning: "proxy for requests whose own proxy variable is unset", secret: true},
	{name: "NO_PROXY", meaning: "hosts reached without the proxy"},
}

// settingValue returns a setting as it is compared: trimmed, lower-case.
func settingValue(getenv func(string) string, name string) string {
	return strings.ToLower(strings.TrimSpace(getenv(name)))
}

// checkSettings refuses a value of a PPM_* variable that is not one of its
// documented values, naming the allowed ones: a typo never silently means
// the default.
func checkSettings(getenv func(string) string) error {
	for _, s := range settings {
		raw := getenv(s.name)
		v := strings.ToLower(strings.TrimSpace(raw))
		if v == "" {
			continue
		}
		if s.check != nil {
			if err := s.check(raw); err != nil {
				return err
			}
			continue
		}
		if s.values != nil && !slices.Contains(s.values, v) {
			return fmt.Errorf("%s=%q is not one of its values; use %s (or leave it unset)", s.name, raw, strings.Join(s.values, ", "))
		}
	}
	return nil
}

func checkTrace(raw string) error {
	v := strings.TrimSpace(raw)
	if v == "0" || v == "1" || filepath.IsAbs(v) {
		return nil
	}
	return fmt.Errorf("PPM_CREDENTIAL_TRACE=%q is not one of its values; use 1 (trace to stderr), 0 (off) or an absolute file path", raw)
}

// settingsUsage is the environment part of the usage text.
func settingsUsage() string {
	var b strings.Builder
	b.WriteString("environment:\n")
	for _, s := range settings {
		meaning := s.meaning
		if s.values != nil {
			meaning = strings.Join(s.values, " | ") + " — " + meaning
		}
		fmt.Fprintf(&b, "  %-35s %s\n", s.name, meaning)
	}
	return b.String()
}

// settingStatus is one variable that is set, as `status` shows it.
type settingStatus struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"` // empty for secrets
}

// setSettings lists the variables that are set, secrets without value.
func setSettings(getenv func(string) string) []settingStatus {
	out := []settingStatus{}
	for _, s := range settings {
		v := getenv(s.name)
		if v == "" {
			continue
		}
		st := settingStatus{Name: s.name}
		if !s.secret {
			st.Value = v
		}
		out = append(out, st)
	}
	return out
}
