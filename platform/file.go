package platform

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
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
// Permissions (Unix): the directory is created 0700 and the file is always
// written 0600. An existing file that other users can write to is refused
// (anyone could have put a token there): the error says to run chmod 600.
// One that only others can read (pak writing under a loose umask) is
// tightened to 0600 when read, if this user owns it; an existing directory's
// mode is left alone (the path may be anywhere, e.g. /tmp). Errors never
// contain tokens: TOML syntax errors quote at most a few characters of the
// file.
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
func (f *FileStore) Name() string { return "file" }

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
func (f *FileStore) Delete(address string) error {
	if f.path != "" {
		if _, err := os.Stat(f.path); errors.Is(err, fs.ErrNotExist) {
			return ErrNotFound // no file: nothing to lock or create
		}
	}
	return f.update(func(doc map[string]any) error {
		return deleteToken(doc, f.path, address)
	})
}

// getToken is Get on data, the content of the tokens file at path (nil when
// there is none).
func getToken(path string, data []byte, address string) (string, error) {
	doc, err := parseTokensFile(path, data)
	if err != nil {
		return "", err
	}
	tok, err := lookupToken(doc, path, address)
	if err != nil {
		return "", err
	}
	if tok == "" {
		return "", ErrNotFound
	}
	return tok, nil
}

// rewrite is the pure half of a write: it parses data (the file's content,
// nil when there is none), applies change and returns the new content.
func rewrite(path string, data []byte, change func(doc map[string]any) error) ([]byte, error) {
	doc, err := parseTokensFile(path, data)
	if err != nil {
		return nil, err
	}
	if err := change(doc); err != nil {
		return nil, err
	}
	return encodeTokensFile(path, doc)
}

// read returns the file's content, nil when it does not exist.
func (f *FileStore) read() ([]byte, error) {
	if f.path == "" {
		return nil, errors.New("no path for the tokens file; set PACKAGEMANAGER_SSO_TOKEN_FILE or HOME")
	}
	file, err := openForRead(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not open the tokens file %s: %w", f.path, err)
	}
	defer file.Close()
	fi, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("could not read the tokens file %s: %w", f.path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("the tokens file %s is a directory; set PACKAGEMANAGER_SSO_TOKEN_FILE to a file path", f.path)
	}
	if err := checkTokensFileMode(file, fi, f.path); err != nil {
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
// back atomically. A file that cannot be parsed is left as it is.
func (f *FileStore) update(change func(doc map[string]any) error) error {
	if f.path == "" {
		_, err := f.read()
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.path), 0o700); err != nil {
		return fmt.Errorf("could not create the directory of the tokens file %s: %w", f.path, err)
	}
	timeout := f.lockTimeout
	if timeout <= 0 {
		timeout = fileLockTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	lockPath := f.path + ".lock"
	unlock, err := LockFile(ctx, lockPath, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("gave up after %s on updating the tokens file %s, which another process is updating (%w); try again, or end that process", timeout, f.path, err)
	}
	if err != nil {
		return fmt.Errorf("could not lock the tokens file %s: %w", f.path, err)
	}
	defer unlock()

	data, err := f.read()
	if err != nil {
		return err
	}
	out, err := rewrite(f.path, data, change)
	if err != nil {
		return err
	}
	// Replace the file a symlink points to, not the link.
	target := f.path
	if resolved, err := filepath.EvalSymlinks(f.path); err == nil {
		target = resolved
	}
	return writeFileAtomic(target, out)
}

// writeFileAtomic replaces path with data: a temporary file (0600) in the
// same directory, written, synced, renamed over path, then the directory
// synced.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("could not create a temporary file beside the tokens file %s: %w", path, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && !isWindows() {
		return fmt.Errorf("could not restrict the permissions of %s: %w", tmp.Name(), err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("could not write the tokens file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("could not write the tokens file %s to disk: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("could not write the tokens file %s: %w", path, err)
	}
	if err := replaceFile(tmp.Name(), path); err != nil {
		return fmt.Errorf("could not replace the tokens file %s: %w", path, err)
	}
	renamed = true
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("could not write the directory of the tokens file %s to disk: %w", path, err)
	}
	return nil
}

// parseTokensFile parses tokens.toml into generic maps, so that writing it
// back keeps what this store does not know.
func parseTokensFile(path string, data []byte) (map[string]any, error) {
	doc := map[string]any{}
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("the tokens file %s is not valid TOML at line %d, column %d (%s); fix or remove that line (other tools share this file, so it is not overwritten)",
				path, perr.Position.Line, perr.Position.Col, redactQuoted(perr.Message))
		}
		return nil, fmt.Errorf("the tokens file %s is not valid TOML; fix it or move it away (other tools share this file, so it is not overwritten)", path)
	}
	return doc, nil
}

// quotedRun matches quoted text in a TOML error message.
var quotedRun = regexp.MustCompile(`'[^']*'|"(?:[^"\\]|\\.)*"`)

// redactQuoted replaces quoted text longer than a few characters in a TOML
// error message, except key names: the parser quotes pieces of the file,
// which may be a token.
func redactQuoted(msg string) string {
	var b strings.Builder
	last := 0
	for _, m := range quotedRun.FindAllStringIndex(msg, -1) {
		q := msg[m[0]:m[1]]
		b.WriteString(msg[last:m[0]])
		last = m[1]
		if len(q) <= 6 || strings.HasSuffix(msg[:m[0]], "Key ") { // a quoted rune or escape ('x', '\u00e9'), or a key
			b.WriteString(q)
			continue
		}
		b.WriteString(q[:1] + "…" + q[len(q)-1:])
	}
	b.WriteString(msg[last:])
	msg = b.String()
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// encodeTokensFile writes doc as TOML and checks that it reads back.
func encodeTokensFile(path string, doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := toml.NewEncoder(&buf)
	enc.Indent = ""
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("could not write the tokens file %s back (%v); it was left as it was", path, err)
	}
	if _, err := toml.Decode(buf.String(), &map[string]any{}); err != nil {
		return nil, fmt.Errorf("could not write the tokens file %s back: its content does not survive a round trip; it was left as it was", path)
	}
	return buf.Bytes(), nil
}

// tableList returns the array of tables doc[key]; nil when absent. Arrays of
// inline tables count too.
func tableList(doc map[string]any, path, key string) ([]map[string]any, error) {
	v, ok := doc[key]
	if !ok {
		return nil, nil
	}
	switch v := v.(type) {
	case []map[string]any:
		return v, nil
	case []any:
		list := make([]map[string]any, 0, len(v))
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, shapeError(path, key)
			}
			list = append(list, m)
		}
		return list, nil
	}
	return nil, shapeError(path, key)
}

func shapeError(path, key string) error {
	return fmt.Errorf("in the tokens file %s, %q is not a list of [[%s]] tables; fix it by hand (other tools share this file, so it is not overwritten)", path, key, key)
}

// sameAddress reports whether a and b are equal or differ only by trailing
// slashes.
func sameAddress(a, b string) bool {
	return a == b || strings.TrimRight(a, "/") == strings.TrimRight(b, "/")
}

func stringField(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// lookupToken finds the token for address: an exact match first, then a
// trailing-slash variant, in the current schema and then the old one. ""
// when there is none.
func lookupToken(doc map[string]any, path, address string) (string, error) {
	conns, err := tableList(doc, path, "connections")
	if err != nil {
		return "", err
	}
	old, err := tableList(doc, path, "connection")
	if err != nil {
		return "", err
	}
	for _, set := range []struct {
		list []map[string]any
		key  string
	}{{conns, "address"}, {old, "url"}} {
		variant := ""
		for _, e := range set.list {
			a, tok := stringField(e, set.key), stringField(e, "token")
			if tok == "" || !sameAddress(a, address) {
				continue
			}
			if a == address {
				return tok, nil
			}
			if variant == "" {
				variant = tok
			}
		}
		if variant != "" {
			return variant, nil
		}
	}
	return "", nil
}

// migrateOldEntries rewrites [[connection]] entries (url, token, method) as
// [[connections]] entries (address, token, auth_type), keeping their other
// keys. An old entry whose address already has a current entry is dropped;
// one without a url stays where it is.
func migrateOldEntries(doc map[string]any, path string) ([]map[string]any, error) {
	conns, err := tableList(doc, path, "connections")
	if err != nil {
		return nil, err
	}
	old, err := tableList(doc, path, "connection")
	if err != nil {
		return nil, err
	}
	if _, ok := doc["connection"]; !ok {
		return conns, nil
	}
	have := map[string]bool{}
	for _, e := range conns {
		have[stringField(e, "address")] = true
	}
	var keep []map[string]any
	for _, e := range old {
		url := stringField(e, "url")
		if url == "" {
			keep = append(keep, e)
			continue
		}
		if have[url] {
			continue
		}
		have[url] = true
		n := make(map[string]any, len(e))
		for k, v := range e {
			n[k] = v
		}
		delete(n, "url")
		delete(n, "method")
		n["address"] = url
		n["auth_type"] = authTypeSSO
		if m := stringField(e, "method"); m != "" {
			n["auth_type"] = m
		}
		conns = append(conns, n)
	}
	if len(keep) > 0 {
		doc["connection"] = keep
	} else {
		delete(doc, "connection")
	}
	return conns, nil
}

func putConnections(doc map[string]any, conns []map[string]any) {
	if len(conns) == 0 {
		delete(doc, "connections")
		return
	}
	doc["connections"] = conns
}

// setToken replaces the entries for address (or its trailing-slash variant)
// with one entry, in the place of the first, keeping its unknown keys.
func setToken(doc map[string]any, path, address, token string) error {
	conns, err := migrateOldEntries(doc, path)
	if err != nil {
		return err
	}
	var out []map[string]any
	done := false
	for _, e := range conns {
		a, ok := e["address"].(string)
		if !ok || !sameAddress(a, address) {
			out = append(out, e)
			continue
		}
		if done {
			continue // a second entry for the same address
		}
		e["address"] = address
		e["token"] = token
		e["auth_type"] = authTypeSSO
		out = append(out, e)
		done = true
	}
	if !done {
		out = append(out, map[string]any{"address": address, "token": token, "auth_type": authTypeSSO})
	}
	putConnections(doc, out)
	return nil
}

// deleteToken removes every entry for address (or its trailing-slash
// variant), in either schema; ErrNotFound when there is none (the caller then
// writes nothing).
func deleteToken(doc map[string]any, path, address string) error {
	conns, err := migrateOldEntries(doc, path)
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, e := range conns {
		if a, ok := e["address"].(string); ok && sameAddress(a, address) {
			continue
		}
		out = append(out, e)
	}
	if len(out) == len(conns) {
		return ErrNotFound
	}
	putConnections(doc, out)
	return nil
}
