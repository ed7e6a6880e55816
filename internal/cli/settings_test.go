package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestREADMEListsEverySetting: the README's variable table names exactly
// the variables of the settings list, which also feeds the usage text and
// status.
func TestREADMEListsEverySetting(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "| variable | meaning |")
	if start < 0 {
		t.Fatal("README.md has no variable table (| variable | meaning |)")
	}
	var inREADME []string
	name := regexp.MustCompile("`([A-Z][A-Z0-9_]+)`")
	for _, line := range strings.Split(readme[start:], "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		first := strings.Split(line, "|")[1]
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			inREADME = append(inREADME, m[1])
		}
	}
	var inCode []string
	for _, s := range settings {
		inCode = append(inCode, s.name)
		if !strings.Contains(usageText(), s.name) {
			t.Errorf("the usage text does not list %s", s.name)
		}
	}
	slices.Sort(inREADME)
	slices.Sort(inCode)
	if !slices.Equal(inREADME, inCode) {
		t.Errorf("README variables %v\ndiffer from the settings list %v", inREADME, inCode)
	}
}

func TestCheckSettings(t *testing.T) {
	cases := map[string]string{ // value of the variable → "" (accepted) or a part of the error
		"PPM_CREDENTIAL_STORE=file":                                    "",
		"PPM_CREDENTIAL_STORE= File ":                                  "",
		"PPM_CREDENTIAL_STORE=foo":                                     `PPM_CREDENTIAL_STORE="foo" is not one of its values; use auto, keychain, wincred, secretservice, file`,
		"PPM_CREDENTIAL_INTERACTIVE=off":                               "use auto, never",
		"PPM_CREDENTIAL_INTERACTIVE=never":                             "",
		"PPM_CREDENTIAL_QR=1":                                          "use auto, 0",
		"PPM_CREDENTIAL_TRACE=1":                                       "",
		"PPM_CREDENTIAL_TRACE=0":                                       "",
		"PPM_CREDENTIAL_TRACE=" + filepath.Join(os.TempDir(), "trace"): "",
		"PPM_CREDENTIAL_TRACE=true":                                    "an absolute file path",
		"PACKAGEMANAGER_ADDRESS=anything":                              "", // checked where it is parsed
		"PACKAGEMANAGER_TOKEN=not-a-setting":                           "",
	}
	for kv, want := range cases {
		k, v, _ := strings.Cut(kv, "=")
		err := checkSettings(func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v; want it accepted", kv, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: %v; want an error with %q", kv, err, want)
		}
	}
}
