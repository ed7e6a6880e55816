package releasetest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// wheelPlatforms are the platform tags docs/contract.md §9 gives each target.
var wheelPlatforms = map[string]string{
	"linux/amd64":   "manylinux_2_17_x86_64.manylinux2014_x86_64.musllinux_1_1_x86_64",
	"linux/arm64":   "manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64",
	"darwin/amd64":  "macosx_11_0_x86_64",
	"darwin/arm64":  "macosx_11_0_arm64",
	"windows/amd64": "win_amd64",
	"windows/arm64": "win_arm64",
}

// TestWheels: release:snapshot wrote one wheel per target, listed in
// checksums.txt, whose script is byte for byte the binary of that target's
// archive (an executable regular file in the zip), whose RECORD matches
// every file, whose times are the commit's, and which twine check passes.
func TestWheels(t *testing.T) {
	r := load(t)
	pep440 := "0.0.0.dev0+" + strings.TrimPrefix(r.version, "0.0.0-SNAPSHOT-")
	var paths []string
	for _, tg := range targets {
		t.Run(tg.goos+"_"+tg.goarch, func(t *testing.T) {
			whl := fmt.Sprintf("git_credential_ppm-%s-py3-none-%s.whl", pep440, wheelPlatforms[tg.goos+"/"+tg.goarch])
			if _, ok := r.checksums[whl]; !ok {
				t.Fatalf("checksums.txt does not list %s", whl)
			}
			paths = append(paths, filepath.Join(r.dist, whl))
			bin := name
			if tg.goos == "windows" {
				bin += ".exe"
			}
			archived := readArchive(t, filepath.Join(r.dist, r.archive(tg.goos, tg.goarch)))[bin].data
			zr, err := zip.OpenReader(filepath.Join(r.dist, whl))
			if err != nil {
				t.Fatal(err)
			}
			defer zr.Close()
			files := map[string][]byte{}
			for _, f := range zr.File {
				rc, err := f.Open()
				if err != nil {
					t.Fatal(err)
				}
				files[f.Name], err = io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if want := r.time.Truncate(2 * time.Second); !f.Modified.Equal(want) {
					t.Errorf("%s: %s has time %v, want the commit's %v", whl, f.Name, f.Modified, want)
				}
				if strings.HasSuffix(f.Name, ".data/scripts/"+bin) && f.ExternalAttrs>>16 != 0o100755 {
					t.Errorf("%s: the script's mode is %o, want a regular file 0755", whl, f.ExternalAttrs>>16)
				}
			}
			script := files["git_credential_ppm-"+pep440+".data/scripts/"+bin]
			if script == nil || !bytes.Equal(script, archived) {
				t.Errorf("%s: the script is not the binary of %s", whl, r.archive(tg.goos, tg.goarch))
			}
			rows, err := csv.NewReader(bytes.NewReader(files["git_credential_ppm-"+pep440+".dist-info/RECORD"])).ReadAll()
			if err != nil || len(rows) != len(files) {
				t.Fatalf("%s: RECORD has %d rows for %d files (%v)", whl, len(rows), len(files), err)
			}
			for _, row := range rows {
				sum := sha256.Sum256(files[row[0]])
				if row[1] != "" && (row[1] != "sha256="+base64.RawURLEncoding.EncodeToString(sum[:]) || row[2] != fmt.Sprint(len(files[row[0]]))) {
					t.Errorf("%s: RECORD row %q does not match the file", whl, row)
				}
			}
		})
	}
	if len(paths) == len(targets) {
		out := run(t, r.dist, need(t, "twine"), append([]string{"check", "--strict"}, paths...)...)
		if strings.Count(out, "PASSED") != len(targets) {
			t.Errorf("twine check:\n%s", out)
		}
	}
}
