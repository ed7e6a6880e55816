package wheel

import (
	"fmt"
	"strings"
)

const (
	// Distribution is the project name on PyPI.
	Distribution = "git-credential-ppm"
	// escapedName is the name as wheel file names and .dist-info spell it.
	escapedName = "git_credential_ppm"
	projectURL  = "https://github.com/posit-dev/git-credential-ppm"
	summary     = "Posit Package Manager tokens for git, pip, uv and twine: a credential helper binary and a keyring backend"
	// keyringReq is what the backend needs, a requirement as
	// posit-keyring has it: `pip install git-credential-ppm` in a fresh
	// venv must give pip, twine and `keyring --list-backends` a keyring
	// that finds our backend (as an extra it gave none, and pip printed
	// NoKeyringError tracebacks and ended in 401). 23.9 is Debian 12's,
	// the oldest the tests run (wheel_e2e_test.go, quickstart_e2e_test.go).
	keyringReq = "keyring>=23.9"
	// legacyExtra was the extra that carried keyring; it stays declared,
	// empty, so `pip install "git-credential-ppm[keyring]"` from older
	// instructions installs without a warning.
	legacyExtra = "keyring"
)

// metadataFile is the core metadata (Metadata-Version 2.1, which every
// pip, uv and twine reads), with the README as its body.
func metadataFile(version, license string, readme []byte) []byte {
	var b strings.Builder
	field := func(k, v string) { fmt.Fprintf(&b, "%s: %s\n", k, v) }
	field("Metadata-Version", "2.1")
	field("Name", Distribution)
	field("Version", version)
	field("Summary", summary)
	field("Home-page", projectURL)
	field("License", license)
	field("Project-URL", "Source, "+projectURL)
	field("Project-URL", "Issues, "+projectURL+"/issues")
	field("Keywords", "git,credential-helper,keyring,pip,twine,uv,posit,package-manager")
	for _, c := range []string{
		"Environment :: Console",
		"Intended Audience :: Developers",
		"Operating System :: MacOS",
		"Operating System :: Microsoft :: Windows",
		"Operating System :: POSIX :: Linux",
		"Programming Language :: Python :: 3",
		"Topic :: Software Development :: Version Control :: Git",
	} {
		field("Classifier", c)
	}
	field("Requires-Python", ">=3.8")
	field("Requires-Dist", keyringReq)
	field("Provides-Extra", legacyExtra)
	field("Description-Content-Type", "text/markdown")
	b.WriteString("\n")
	b.Write(readme)
	return []byte(b.String())
}

// wheelFile is the .dist-info/WHEEL file: the binary makes the wheel
// platform-specific, so its contents go to platlib.
func wheelFile(tags []string) []byte {
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\nGenerator: git-credential-ppm mkwheel\nRoot-Is-Purelib: false\n")
	for _, t := range tags {
		fmt.Fprintf(&b, "Tag: %s\n", t)
	}
	return []byte(b.String())
}

// entryPoints registers the backend module with keyring, which imports
// every module in the keyring.backends group and collects the backends
// defined in it.
func entryPoints() []byte {
	return []byte("[keyring.backends]\ngit_credential_ppm = git_credential_ppm\n")
}
