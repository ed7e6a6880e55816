// Command mkwheel writes the git-credential-ppm wheel for one binary:
//
//	go run ./internal/wheel/cmd/mkwheel --binary dist/linux_amd64/git-credential-ppm \
//	    --goos linux --goarch amd64 --version v1.2.3 --out dist/
//
// It prints the path of the wheel it wrote. Timestamps come from
// SOURCE_DATE_EPOCH when set, else 1980-01-01, so a rebuild of the same
// binary gives the same bytes.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/wheel"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("mkwheel", flag.ContinueOnError)
	fl.SetOutput(stderr)
	bin := fl.String("binary", "", "the git-credential-ppm executable to ship (required)")
	goos := fl.String("goos", "", "the binary's GOOS: linux, darwin or windows (required)")
	goarch := fl.String("goarch", "", "the binary's GOARCH: amd64 or arm64 (required)")
	version := fl.String("version", "", "release version, e.g. v1.2.3 or 0.0.0-SNAPSHOT-abc1234 (required)")
	out := fl.String("out", "dist", "directory the wheel is written to")
	readme := fl.String("readme", "README.md", "Markdown file used as the long description")
	license := fl.String("license", "MIT", "the License metadata field")
	licenseFile := fl.String("license-file", "LICENSE", "license text shipped in .dist-info (skipped when the file does not exist)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *bin == "" || *goos == "" || *goarch == "" || *version == "" || fl.NArg() > 0 {
		fmt.Fprintln(stderr, "mkwheel: --binary, --goos, --goarch and --version are required, and nothing else")
		return 2
	}
	path, err := write(*bin, *goos, *goarch, *version, *out, *readme, *license, *licenseFile)
	if err != nil {
		fmt.Fprintln(stderr, "mkwheel:", err)
		return 1
	}
	fmt.Fprintln(stdout, path)
	return 0
}

func write(bin, goos, goarch, version, out, readme, license, licenseFile string) (string, error) {
	o := wheel.Options{GOOS: goos, GOARCH: goarch, Version: version, License: license}
	var err error
	if o.Binary, err = os.ReadFile(bin); err != nil {
		return "", fmt.Errorf("cannot read the binary: %w", err)
	}
	if o.Readme, err = os.ReadFile(readme); err != nil {
		return "", fmt.Errorf("cannot read the long description: %w", err)
	}
	if o.LicenseText, err = os.ReadFile(licenseFile); err != nil && !os.IsNotExist(err) {
		return "", fmt.Errorf("cannot read the license text: %w", err)
	}
	if o.Modified, err = sourceDate(os.Getenv("SOURCE_DATE_EPOCH")); err != nil {
		return "", err
	}
	name, data, err := wheel.Build(o)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the output directory: %w", err)
	}
	dst := filepath.Join(out, name)
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return "", fmt.Errorf("cannot write the wheel: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("cannot write the wheel: %w", err)
	}
	return dst, nil
}

// sourceDate reads SOURCE_DATE_EPOCH (reproducible-builds.org): unset
// means the zip epoch.
func sourceDate(s string) (time.Time, error) {
	if s == "" {
		return wheel.MinTime, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970: unset it or fix it", s)
	}
	return time.Unix(n, 0).UTC(), nil
}
