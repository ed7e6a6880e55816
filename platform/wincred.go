package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds the Windows Credential Manager store's logic, which is
// independent of the operating system: target names, splitting long tokens
// into chunks and putting them back together, and error wording. The calls
// into advapi32 (CredReadW, CredWriteW, CredDeleteW) sit behind credAPI, in
// wincred_windows.go; tests use an in-memory credAPI on every OS.
//
// Layout in the Credential Manager (generic credentials, persisted
// LocalMachine, user name "__token__"):
//
//   - The target name is "git-credential-ppm:" followed by the address with
//     any trailing slashes removed, so "https://ppm.example.com" and
//     "https://ppm.example.com/" are the same entry.
//   - A token of at most wincredMaxBlob (2560) bytes, the limit real Windows
//     enforces on CredentialBlob (CredWrite fails with error 1783 above it;
//     Wine does not check), is the blob of that one item, as UTF-8 bytes.
//   - A longer token (at most wincredMaxToken bytes) is split into pieces of
//     2560 bytes stored as "<target>:chunk:0", "<target>:chunk:1", …, and the
//     primary item's blob becomes a header: a NUL byte (no token can start
//     with one: Set refuses NUL), "git-credential-ppm chunks=N len=L
//     sha256=H". Get reads the pieces and checks length and hash.
//
// Set writes the pieces first and the primary item last, so the primary item
// is the commit point: until it is written, readers keep getting the old
// token (or, when the old token was chunked too, a hash mismatch). Then it
// deletes pieces beyond the new count, left from a longer token. A chunked
// entry that does not add up (a write interrupted, or two writers without
// the per-address lock) reads as ErrNotFound, so the caller logs in again
// and overwrites it, rather than failing for ever. Delete removes the primary
// item and every piece, including orphans left by an interrupted write.

const (
	// wincredPrefix starts every target name this store writes.
	wincredPrefix = "git-credential-ppm:"
	// wincredUser is the UserName of every item: the user name PPM
	// repositories expect with the token.
	wincredUser = "__token__"
	// wincredMaxBlob is the largest CredentialBlob Windows accepts
	// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5*512 bytes).
	wincredMaxBlob = 2560
	// wincredMaxToken bounds the token length: 64 KiB, git's own limit on a
	// credential line, i.e. at most 26 pieces.
	wincredMaxToken = 64 << 10
	// wincredChunkMagic starts the primary item's blob of a chunked token.
	wincredChunkMagic = "\x00git-credential-ppm chunks="
)

// credItem is one generic credential as the store reads and writes it.
type credItem struct {
	Target  string
	User    string
	Comment string
	Blob    []byte
}

// errCredNotFound is what a credAPI returns for a target that does not
// exist (ERROR_NOT_FOUND).
var errCredNotFound = errors.New("credential not found")

// errNoLogonSession is what a credAPI returns for ERROR_NO_SUCH_LOGON_SESSION:
// network logons (SSH, WinRM, some services) have no credential vault.
var errNoLogonSession = errors.New("this logon session has no credential vault")

// credAPI is the part of the Windows Credential Manager the store uses.
type credAPI interface {
	// read returns the generic credential named target, or errCredNotFound.
	read(target string) (credItem, error)
	// write creates or replaces a generic credential (persist LocalMachine).
	write(item credItem) error
	// remove deletes the generic credential named target, or returns
	// errCredNotFound.
	remove(target string) error
}

// wincredStore keeps tokens in the Windows Credential Manager.
type wincredStore struct {
	api credAPI
}

func newWincredStore(api credAPI) *wincredStore { return &wincredStore{api: api} }

// wincredTarget is the primary target name for address.
func wincredTarget(address string) (string, error) {
	a := strings.TrimRight(address, "/")
	if a == "" {
		return "", fmt.Errorf("cannot use an empty address with the Windows Credential Manager; set PACKAGEMANAGER_ADDRESS to the PPM URL")
	}
	return wincredPrefix + a, nil
}

func wincredChunkTarget(target string, i int) string {
	return target + ":chunk:" + strconv.Itoa(i)
}

// chunkHeader is the decoded header of a chunked token.
type chunkHeader struct {
	count, length int
	sum           string // first 16 bytes of SHA-256, hex
}

func tokenSum(token []byte) string {
	s := sha256.Sum256(token)
	return hex.EncodeToString(s[:16])
}

func (h chunkHeader) encode() []byte {
	return fmt.Appendf(nil, "%s%d len=%d sha256=%s", wincredChunkMagic, h.count, h.length, h.sum)
}

// parseChunkHeader decodes blob as a chunk header; ok is false when blob is
// a plain token.
func parseChunkHeader(blob []byte) (h chunkHeader, ok bool, err error) {
	rest, found := bytes.CutPrefix(blob, []byte(wincredChunkMagic))
	if !found {
		return h, false, nil
	}
	bad := fmt.Errorf("%w: the chunked entry's header is damaged", ErrNotFound)
	fields := strings.Fields(string(rest))
	if len(fields) != 3 {
		return h, true, bad
	}
	count, err1 := strconv.Atoi(fields[0])
	lenStr, ok1 := strings.CutPrefix(fields[1], "len=")
	length, err2 := strconv.Atoi(lenStr)
	sum, ok2 := strings.CutPrefix(fields[2], "sha256=")
	if err1 != nil || err2 != nil || !ok1 || !ok2 || count < 1 || length < 1 ||
		length > wincredMaxToken || count != (length+wincredMaxBlob-1)/wincredMaxBlob || len(sum) != 32 {
		return h, true, bad
	}
	return chunkHeader{count: count, length: length, sum: sum}, true, nil
}

// wrap turns a credAPI error into one sentence for a person.
func (s *wincredStore) wrap(op, address string, err error) error {
	if errors.Is(err, errNoLogonSession) {
		return fmt.Errorf("%w: cannot %s the token for %s in the Windows Credential Manager: %v (network or SSH logon); log on interactively or set PPM_CREDENTIAL_STORE=file", ErrUnavailable, op, address, err)
	}
	return fmt.Errorf("cannot %s the token for %s in the Windows Credential Manager: %w", op, address, err)
}

// Get returns the token stored for address, or ErrNotFound.
func (s *wincredStore) Get(address string) (string, error) {
	target, err := wincredTarget(address)
	if err != nil {
		return "", err
	}
	item, err := s.api.read(target)
	if errors.Is(err, errCredNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", s.wrap("read", address, err)
	}
	h, chunked, err := parseChunkHeader(item.Blob)
	if err != nil {
		return "", fmt.Errorf("the stored token for %s (%s) cannot be used: %w; log in again", address, target, err)
	}
	if !chunked {
		if len(item.Blob) == 0 {
			return "", fmt.Errorf("%w: the entry %s is empty", ErrNotFound, target)
		}
		return string(item.Blob), nil
	}
	token := make([]byte, 0, h.length)
	for i := range h.count {
		piece, err := s.api.read(wincredChunkTarget(target, i))
		if errors.Is(err, errCredNotFound) {
			return "", fmt.Errorf("%w: part %d of %d of the token for %s is missing (interrupted write?); log in again", ErrNotFound, i+1, h.count, address)
		}
		if err != nil {
			return "", s.wrap("read", address, err)
		}
		token = append(token, piece.Blob...)
	}
	if len(token) != h.length || tokenSum(token) != h.sum {
		return "", fmt.Errorf("%w: the parts of the token for %s do not add up (interrupted write?); log in again", ErrNotFound, address)
	}
	return string(token), nil
}

// Set stores token for address, replacing any previous one. Tokens longer
// than 2560 bytes are split into chunk items (see the file comment).
func (s *wincredStore) Set(address, token string) error {
	target, err := wincredTarget(address)
	if err != nil {
		return err
	}
	switch {
	case token == "":
		return fmt.Errorf("refusing to store an empty token for %s", address)
	case strings.IndexByte(token, 0) >= 0:
		return fmt.Errorf("refusing to store a token containing a NUL byte for %s", address)
	case len(token) > wincredMaxToken:
		return fmt.Errorf("the token for %s is %d bytes, more than the %d the Windows Credential Manager store keeps; set PPM_CREDENTIAL_STORE=file", address, len(token), wincredMaxToken)
	}
	comment := "Posit Package Manager token for " + address + " (git-credential-ppm)"
	primary := credItem{Target: target, User: wincredUser, Comment: comment, Blob: []byte(token)}
	count := 0
	if len(token) > wincredMaxBlob {
		count = (len(token) + wincredMaxBlob - 1) / wincredMaxBlob
		for i := range count {
			piece := token[i*wincredMaxBlob : min((i+1)*wincredMaxBlob, len(token))]
			err := s.api.write(credItem{
				Target:  wincredChunkTarget(target, i),
				User:    wincredUser,
				Comment: fmt.Sprintf("part %d of %d of the Posit Package Manager token for %s (git-credential-ppm)", i+1, count, address),
				Blob:    []byte(piece),
			})
			if err != nil {
				return s.wrap("store", address, err)
			}
		}
		primary.Blob = chunkHeader{count: count, length: len(token), sum: tokenSum([]byte(token))}.encode()
		primary.Comment += fmt.Sprintf(", in %d parts", count)
	}
	if err := s.api.write(primary); err != nil {
		return s.wrap("store", address, err)
	}
	if err := s.removeChunks(target, count); err != nil {
		return s.wrap("clean up old parts of", address, err)
	}
	return nil
}

// removeChunks deletes the chunk items from index from upwards, until the
// first one that does not exist (pieces are always written contiguously).
func (s *wincredStore) removeChunks(target string, from int) error {
	for i := from; i < from+wincredMaxToken/wincredMaxBlob+2; i++ {
		err := s.api.remove(wincredChunkTarget(target, i))
		if errors.Is(err, errCredNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the token stored for address and all its parts;
// ErrNotFound if there was none.
func (s *wincredStore) Delete(address string) error {
	target, err := wincredTarget(address)
	if err != nil {
		return err
	}
	perr := s.api.remove(target)
	if perr != nil && !errors.Is(perr, errCredNotFound) {
		return s.wrap("delete", address, perr)
	}
	if err := s.removeChunks(target, 0); err != nil {
		return s.wrap("delete", address, err)
	}
	if perr != nil {
		return ErrNotFound
	}
	return nil
}

// Name returns "wincred".
func (s *wincredStore) Name() string { return "wincred" }

// Describe says where tokens are kept.
func (s *wincredStore) Describe() string {
	return "wincred (Windows Credential Manager, target " + wincredPrefix + "…)"
}

// probe checks that the Credential Manager can be used in this logon
// session, by reading a target that does not exist.
func (s *wincredStore) probe() error {
	_, err := s.api.read(wincredPrefix + "probe.invalid")
	switch {
	case err == nil, errors.Is(err, errCredNotFound):
		return nil
	case errors.Is(err, errNoLogonSession):
		return fmt.Errorf("%w: the Windows Credential Manager cannot be used in this logon session (network or SSH logon)", ErrUnavailable)
	default:
		return fmt.Errorf("%w: the Windows Credential Manager does not answer: %v", ErrUnavailable, err)
	}
}
