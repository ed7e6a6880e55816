package wheel

import (
	"fmt"
	"strings"
)

// Tags returns the wheel tags of a binary built for goos/goarch, in the
// order they are written: the compressed tag set of the file name is their
// platform parts joined by dots (PEP 425). The binaries are static, so one
// Linux wheel serves glibc (manylinux 2014 = glibc 2.17) and musl systems.
func Tags(goos, goarch string) ([]string, error) {
	arch, ok := map[string]map[string]string{
		"linux":   {"amd64": "x86_64", "arm64": "aarch64"},
		"darwin":  {"amd64": "x86_64", "arm64": "arm64"},
		"windows": {"amd64": "amd64", "arm64": "arm64"},
	}[goos][goarch]
	if !ok {
		return nil, fmt.Errorf("no wheel platform for %s/%s: wheels are built for linux, darwin and windows on amd64 and arm64", goos, goarch)
	}
	var platforms []string
	switch goos {
	case "linux":
		platforms = []string{"manylinux_2_17_" + arch, "manylinux2014_" + arch, "musllinux_1_1_" + arch}
	case "darwin":
		platforms = []string{"macosx_11_0_" + arch}
	case "windows":
		platforms = []string{"win_" + arch}
	}
	tags := make([]string, len(platforms))
	for i, p := range platforms {
		tags[i] = "py3-none-" + p
	}
	return tags, nil
}

// compressedTag is the file-name form of a tag set: py3-none-a.b.c.
func compressedTag(tags []string) string {
	platforms := make([]string, len(tags))
	for i, t := range tags {
		platforms[i] = strings.TrimPrefix(t, "py3-none-")
	}
	return "py3-none-" + strings.Join(platforms, ".")
}
