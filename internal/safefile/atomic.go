package safefile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// WriteOptions says how WriteFileAtomic treats the file it replaces.
type WriteOptions struct {
	// Perm is the permission of a new file; 0 means 0600.
	Perm fs.FileMode
	// KeepMode gives the new file the permission bits of the file it
	// replaces, when there is one (else Perm).
	KeepMode bool
	// ThroughSymlink: when path is a symbolic link (a dotfile manager's),
	// the file it points to is replaced and the link stays a link, even a
	// dangling one (its target is created). Without it the link itself is
	// replaced by a regular file; the file it pointed to is never touched.
	ThroughSymlink bool
}

// staleTempAge is the age after which a temporary file of WriteFileAtomic
// is stale even when the pid in its name is running (a reused pid): a
// write takes milliseconds.
const staleTempAge = time.Minute

// maxSymlinks bounds how many links WriteFileAtomic follows for
// ThroughSymlink, as the kernel does (ELOOP).
const maxSymlinks = 40

// WriteFileAtomic replaces path with data, so that a reader sees the old
// file or the new one, never a part of either: the data goes to a new
// temporary file in the same directory (".<name>.<pid>-<random>.tmp",
// created exclusively and without following links, 0600 until the final
// mode is set), is synced and renamed over path, and the directory is
// synced. A process killed in the middle leaves at most that temporary file,
// which RemoveStaleTemps removes. Errors name the file and the step that
// failed.
func WriteFileAtomic(path string, data []byte, opts WriteOptions) error {
	target := path
	if opts.ThroughSymlink {
		t, err := resolveSymlinks(path)
		if err != nil {
			return fmt.Errorf("could not follow the symbolic link %s: %w; fix or remove the link", path, err)
		}
		target = t
	}
	perm := opts.Perm
	if perm == 0 {
		perm = 0o600
	}
	if opts.KeepMode {
		if fi, err := os.Lstat(target); err == nil && fi.Mode().IsRegular() {
			perm = fi.Mode().Perm()
		}
	}
	dir := filepath.Dir(target)
	tmp, err := createTemp(target)
	if err != nil {
		return fmt.Errorf("could not create a temporary file beside %s: %w", target, err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("could not write %s: %w", target, err)
	}
	if err := tmp.Chmod(perm); err != nil && !isWindows() {
		return fmt.Errorf("could not set the permissions of %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("could not write %s to disk: %w", target, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("could not write %s: %w", target, err)
	}
	if err := replaceFile(tmp.Name(), target); err != nil {
		return fmt.Errorf("could not replace %s: %w", target, err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("could not write the directory of %s to disk: %w", target, err)
	}
	return nil
}

// createTemp creates the temporary file for replacing path, 0600, failing
// rather than following a link or opening a file that exists.
func createTemp(path string) (*os.File, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	name := filepath.Join(filepath.Dir(path), tempPrefix(path)+strconv.Itoa(os.Getpid())+"-"+hex.EncodeToString(b[:])+".tmp")
	return OpenNoFollow(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// tempPrefix is how the temporary files for path start: ".tokens.toml.".
func tempPrefix(path string) string { return "." + filepath.Base(path) + "." }

// RemoveStaleTemps removes the temporary files that writes of path left
// behind when their process was killed (they may hold tokens): those whose
// writer (the pid in the name) no longer runs, and any older than a minute,
// including the ".<name>.<digits>.tmp" files of earlier versions. A fresh
// file of a running writer is kept. Links are removed, never followed.
func RemoveStaleTemps(path string) error {
	base := filepath.Base(path)
	return removeStaleTemps(filepath.Dir(path), path, func(name string) bool { return name == base })
}

// RemoveStaleTempsIn is RemoveStaleTemps for every file of dir whose name
// matches pattern (filepath.Match), e.g. the "login-*.until" deadlines the
// login lock's holders write, whose temporary files a holder killed with
// `kill -9` would otherwise leave for ever.
func RemoveStaleTempsIn(dir, pattern string) error {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return fmt.Errorf("bad pattern %q for temporary files: %w", pattern, err)
	}
	return removeStaleTemps(dir, filepath.Join(dir, pattern), func(name string) bool {
		ok, _ := filepath.Match(pattern, name)
		return ok
	})
}

// removeStaleTemps removes the stale temporary files in dir of the files
// whose name match accepts; what names them in its error.
func removeStaleTemps(dir, what string, match func(name string) bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("could not list %s to remove interrupted writes of %s: %w", dir, filepath.Base(what), err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		// ".<base>.<pid>-<random>.tmp", or ".<base>.<digits>.tmp" of
		// earlier versions.
		rest, ok := strings.CutPrefix(name, ".")
		if !ok {
			continue
		}
		if rest, ok = strings.CutSuffix(rest, ".tmp"); !ok {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		if dot <= 0 || dot == len(rest)-1 || !match(rest[:dot]) {
			continue
		}
		mid := rest[dot+1:]
		info, err := e.Info()
		if err != nil {
			continue // gone already
		}
		stale := time.Since(info.ModTime()) > staleTempAge
		if pidText, _, found := strings.Cut(mid, "-"); found {
			if pid, err := strconv.Atoi(pidText); err == nil && pid > 0 && !processRunning(pid) {
				stale = true
			}
		}
		if !stale {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("could not remove an interrupted write of %s (it may hold a token); remove it by hand: %w", what, errors.Join(errs...))
	}
	return nil
}

// resolveSymlinks follows path while it is a symbolic link and returns the
// file it ends at, which need not exist.
func resolveSymlinks(path string) (string, error) {
	for range maxSymlinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(path), link)
		}
		path = link
	}
	return "", errors.New("too many levels of symbolic links")
}
