// Package wheel writes the Python wheels that carry git-credential-ppm: the
// binary under <name>.data/scripts/ (pip, uv and pipx install it straight
// into bin/ or Scripts\) and the keyring backend of python/, registered in
// the keyring.backends entry-point group. It needs no Python: the format is
// a zip with three metadata files and a RECORD of hashes (PEP 427, 376,
// 425, 440, 566), and the same inputs give the same bytes.
package wheel

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/posit-dev/git-credential-ppm/python"
)

// Options describe one wheel.
type Options struct {
	// Binary is the git-credential-ppm executable built for GOOS/GOARCH.
	Binary []byte
	GOOS   string
	GOARCH string
	// Version is the release version as tagged (v1.2.3) or GoReleaser's
	// snapshot version; PEP440 converts it.
	Version string
	// License is the License metadata field (an SPDX expression).
	License string
	// Readme is the project description shown on PyPI (Markdown).
	Readme []byte
	// LicenseText, when not empty, is shipped as .dist-info/LICENSE.
	LicenseText []byte
	// Modified stamps every entry. Zero means 1980-01-01, the earliest
	// time a zip can hold.
	Modified time.Time
}

// MinTime is the earliest timestamp a zip entry can carry.
var MinTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// Filename returns the wheel's file name:
// git_credential_ppm-<PEP 440 version>-<compressed tag set>.whl.
func Filename(o Options) (string, error) {
	v, err := PEP440(o.Version)
	if err != nil {
		return "", err
	}
	tags, err := Tags(o.GOOS, o.GOARCH)
	if err != nil {
		return "", err
	}
	return escapedName + "-" + v + "-" + compressedTag(tags) + ".whl", nil
}

// Exe is the binary's name for goos.
func Exe(goos string) string {
	if goos == "windows" {
		return Distribution + ".exe"
	}
	return Distribution
}

type entry struct {
	name string
	body []byte
	mode fs.FileMode
}

// Write writes the wheel described by o to w.
func Write(w io.Writer, o Options) error {
	if len(o.Binary) == 0 {
		return fmt.Errorf("the binary for the %s/%s wheel is empty: build it first", o.GOOS, o.GOARCH)
	}
	if o.License == "" {
		return fmt.Errorf("no license given for the wheel's metadata: pass one, e.g. --license MIT")
	}
	version, err := PEP440(o.Version)
	if err != nil {
		return err
	}
	tags, err := Tags(o.GOOS, o.GOARCH)
	if err != nil {
		return err
	}
	stamp := o.Modified
	if stamp.Before(MinTime) {
		stamp = MinTime
	}
	stamp = stamp.UTC().Truncate(2 * time.Second) // zip's DOS time has 2 s steps

	files, err := backendFiles()
	if err != nil {
		return err
	}
	data := escapedName + "-" + version + ".data"
	files = append(files, entry{data + "/scripts/" + Exe(o.GOOS), o.Binary, 0o755})
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	info := escapedName + "-" + version + ".dist-info"
	meta := []entry{
		{info + "/METADATA", metadataFile(version, o.License, o.Readme), 0o644},
		{info + "/WHEEL", wheelFile(tags), 0o644},
		{info + "/entry_points.txt", entryPoints(), 0o644},
	}
	if len(o.LicenseText) > 0 {
		meta = append(meta, entry{info + "/LICENSE", o.LicenseText, 0o644})
	}
	sort.Slice(meta, func(i, j int) bool { return meta[i].name < meta[j].name })
	// The .dist-info comes last and RECORD last of all, as PEP 427 asks,
	// so an installer streaming the zip sees the files before their hashes.
	files = append(files, meta...)
	files = append(files, entry{info + "/RECORD", record(files, info+"/RECORD"), 0o644})

	zw := zip.NewWriter(w)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp}
		// A regular file with its permission bits in the Unix half of
		// external_attr: pip sets the execute bit only from this.
		h.SetMode(f.mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("cannot add %s to the wheel: %w", f.name, err)
		}
		if _, err := fw.Write(f.body); err != nil {
			return fmt.Errorf("cannot write %s into the wheel: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("cannot finish the wheel: %w", err)
	}
	return nil
}

// Build returns the wheel's file name and bytes.
func Build(o Options) (string, []byte, error) {
	name, err := Filename(o)
	if err != nil {
		return "", nil, err
	}
	var buf bytes.Buffer
	if err := Write(&buf, o); err != nil {
		return "", nil, err
	}
	return name, buf.Bytes(), nil
}

func backendFiles() ([]entry, error) {
	var files []entry
	err := fs.WalkDir(python.Backend, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(python.Backend, p)
		if err != nil {
			return err
		}
		files = append(files, entry{path.Clean(p), body, 0o644})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read the embedded keyring backend: %w", err)
	}
	return files, nil
}

// Hash is a RECORD hash: sha256=<urlsafe base64 without padding>.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// record is the RECORD file (PEP 376 CSV: path,hash,size); its own line
// has neither. No path here needs CSV quoting: they are ours, without
// commas, quotes or line breaks.
func record(files []entry, self string) []byte {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s,%s,%d\n", f.name, Hash(f.body), len(f.body))
	}
	b.WriteString(self + ",,\n")
	return []byte(b.String())
}
