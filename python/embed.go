// Package python holds the keyring backend our wheels carry (the Python
// package git_credential_ppm, standard library and keyring only) and embeds
// it for the wheel writer, so a wheel always holds the backend of the
// commit it was built from.
package python

import "embed"

// Backend is the git_credential_ppm package, rooted at python/: its paths
// are the ones the wheel installs into site-packages.
//
//go:embed git_credential_ppm/*.py
var Backend embed.FS
