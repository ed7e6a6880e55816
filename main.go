// Command git-credential-ppm hands Posit Package Manager tokens to git (as a
// credential helper), to pip and uv (as the `keyring` command), to twine
// (through exec) and to R (through a netrc file), logging in with a device
// flow or an identity-token exchange and keeping the token in the OS
// credential store.
//
// The program lives in internal/cli; see README.md for setup and
// docs/architecture.md for the packages.
package main

import (
	"os"

	"github.com/posit-dev/git-credential-ppm/internal/cli"
)

// Set at build time by the release build (.goreleaser.yaml):
// -ldflags "-X main.version=1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>".
var version, commit, date = "dev", "", ""

func main() {
	os.Exit(cli.Main(cli.Build{Version: version, Commit: commit, Date: date}))
}
