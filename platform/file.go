package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/filelock"
	"github.com/posit-dev/git-credential-ppm/internal/safefile"
)

// FileStore keeps tokens in tokens.toml, the file pak, posit-keyring and
// rspm share (default ~/.ppm/tokens.toml, PACKAGEMANAGER_SSO_TOKEN_FILE):
//
//	[[connections]]
//	address = "https://ppm.example.com"
//	token = "eyJ..."
//	auth_type = "sso"
//
// Reading: the entry whose address equals the requested one, else one that
// differs only by trailing slashes. Entries of the older schema some R tools
// wrote ([[connection]] with url, token, method) are read too, after the
// current ones.
//
// Writing (Set, Delete) is a read-modify-write under an exclusive lock on
// tokens.toml.lock beside the file (given up after 10 seconds with an error
// naming the lock and its holder): the new content goes to a temporary file
// in the same directory (0600), is synced and renamed over the old file, and
// the directory is synced. Readers take no lock: they see the old file or the
// new one, never half of one. Set writes address exactly as given (the other
// tools compare strings) with auth_type "sso". Every entry and key the store
// does not own is kept, including unknown keys inside its own entries; old
// schema entries are rewritten in the current schema. Comments and the
// original formatting are not kept: the file is written back from its parsed
// content. A file that is not valid TOML, or whose connections are not a list
// of tables, is never overwritten: Get and Set fail with the file name and
// the line to fix.
//
// Permissions (Unix, docs/contract.md §8): the directory is created 0700 and the file
// is always written 0600. A directory or file that another user owns or can
// write to is refused (anyone could have put a token there, or a link in
// place of the lock file): the error says what to chmod. A file that only
// others can read (pak writing under a loose umask) is tightened to 0600
// when read, and failing to is an error; an existing directory's other mode
// bits are left alone. tokens.toml, the lock file and the temporary files
// are opened without following symbolic links (O_NOFOLLOW; on Windows no
// reparse point): a link in their place is refused with a line naming it,
// its target untouched. The directory itself may be reached through links
// (macOS's /tmp is one); what is checked is the directory they lead to. Errors never contain tokens: TOML syntax errors
// quote at most a few characters of the file.
type FileStore struct {
	path        string
	reason      string        // why auto fell back to this store, if it did
	lockTimeout time.Duration // how long Set and Delete wait for the lock
}

const (
	// fileLockTimeout bounds the wait for another writer of tokens.toml.
	fileLockTimeout = 10 * time.Second
	// maxTokensFileSize bounds what is read: a tokens file holds a few
	// entries of a few KiB each.
	maxTokensFileSize = 16 << 20
	// authTypeSSO is the auth_type of every entry Set writes.
	authTypeSSO = "sso"
)

// NewFileStore returns the file store kept at path (see DefaultTokensPath).
func NewFileStore(path string) *FileStore {
	return &FileStore{path: path, lockTimeout: fileLockTimeout}
}

// Name returns "file".
func (f *FileStore) Name() string { return StoreFile }

// Describe names the file and, when PPM_CREDENTIAL_STORE=auto fell back to
// it, why: "file (/home/me/.ppm/tokens.toml; no D-Bus session: …)".
func (f *FileStore) Describe() string {
	if f.reason != "" {
		return "file (" + f.path + "; " + f.reason + ")"
	}
	return "file (" + f.path + ")"
}

// Path returns the path of the tokens file.
func (f *FileStore) Path() string { return f.path }

// Get returns the token stored for address, or ErrNotFound. It reads the
// file once and takes no lock.
func (f *FileStore) Get(address string) (string, error) {
	data, err := f.read()
	if err != nil {
		return "", err
	}
	return getToken(f.path, data, address)
}

// Set stores token for address, replacing the entry for address or its
// trailing-slash variant, and keeps everything else in the file.
func (f *FileStore) Set(address, token string) error {
	if address == "" {
		return errors.New("cannot store a token for an empty address")
	}
	if token == "" {
		return fmt.Errorf("refusing to store an empty token for %s", address)
	}
	return f.update(func(doc map[string]any) error {
		return setToken(doc, f.path, address, token)
	})
}

// Delete removes the entries for address (and its trailing-slash variant);
// ErrNotFound if there are none, in which case the file is not rewritten.
// Either way it removes the temporary files that interrupted writes left
// (safefile.RemoveStaleTemps): `logout` must not leave a token behind in one.
func (f *FileStore) Delete(address string) error {
	if f.path != "" {
		if _, err := os.Lstat(f.path); errors.Is(err, fs.ErrNotExist) {
			// No file: nothing to lock or create, but a first write killed
			// half-way leaves its token in a temporary file.
			if err := safefile.CheckDir(filepath.Dir(f.path)); err != nil {
				return err
			}
			if err := safefile.RemoveStaleTemps(f.path); err != nil {
				return err
			}
			return ErrNotFound
		}
	}
	return f.update(func(doc map[string]any) error {
		return deleteToken(doc, f.path, address)
	})
}

// read returns the file's content, nil when it does not exist, after
// checking the directory and the file (see CheckTokenDir).
func (f *FileStore) read() ([]byte, error) {
	if f.path == "" {
		return nil, errors.New("no path for the tokens file; set PACKAGEMANAGER_SSO_TOKEN_FILE or HOME")
	}
	if err := safefile.CheckDir(filepath.Dir(f.path)); err != nil {
		return nil, err
	}
	file, err := safefile.OpenForRead(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, openTokensError(f.path, err)
	}
	defer file.Close()
	fi, err := checkTokensFile(file, f.path)
	if err != nil {
		return nil, err
	}
	if err := tightenTokensFile(file, fi, f.path); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(file, maxTokensFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("could not read the tokens file %s: %w", f.path, err)
	}
	if len(data) > maxTokensFileSize {
		return nil, fmt.Errorf("the tokens file %s is larger than %d MiB, which is not a tokens file; move it away", f.path, maxTokensFileSize>>20)
	}
	return data, nil
}

// update runs change on the parsed file under the lock and writes the result
// back atomically. A file that cannot be parsed is left as it is, and so
// is a symbolic link in place of tokens.toml or its lock (refused: never
// followed, docs/contract.md §8). Under the lock it first removes the
// temporary files of writers that were killed.
func (f *FileStore) update(change func(doc map[string]any) error) error {
	if f.path == "" {
		_, err := f.read()
		return err
	}
	dir := filepath.Dir(f.path)
	if err := safefile.CheckDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("could not create the directory of the tokens file %s: %w", f.path, err)
	}
	timeout := f.lockTimeout
	if timeout <= 0 {
		timeout = fileLockTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	unlock, err := filelock.Lock(ctx, f.path+".lock", nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s on updating the tokens file %s, which another process is updating (%w); try again, or end that process", timeout, f.path, err)
	}
	if errors.Is(err, ErrRefused) {
		return err
	}
	if err != nil {
		return fmt.Errorf("could not lock the tokens file %s: %w", f.path, err)
	}
	defer unlock()

	if err := safefile.RemoveStaleTemps(f.path); err != nil {
		return err
	}
	data, err := f.read()
	if err != nil {
		return err
	}
	out, err := rewrite(f.path, data, change)
	if err != nil {
		return err
	}
	// read refused a link in place of the file; should one appear now,
	// the rename replaces the link, never what it points to.
	if err := safefile.WriteFileAtomic(f.path, out, safefile.WriteOptions{Perm: 0o600}); err != nil {
		return fmt.Errorf("could not save the tokens file: %w", err)
	}
	return nil
}
