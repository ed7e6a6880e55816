// Package releasetest checks what `task release:snapshot` leaves in dist/:
// the archives and their contents, checksums.txt (with the real
// sha256sum -c), the .deb (extracted with dpkg-deb and run), the Homebrew,
// Scoop and winget manifests against the artifacts they name, and install.sh
// run by dash against a loopback HTTP server serving dist/ — a good
// download, a corrupted one and an unknown architecture. It also installs
// the module with `go install module@version` from a local module proxy and
// checks what `version` prints.
//
// It lives in the tools module because it parses YAML (the winget
// manifests), a dependency the program itself has no use for. Run it with
// `go tool -modfile=tools/go.mod task test:release`, which builds dist/
// first; DIST overrides where dist/ is.
package releasetest
