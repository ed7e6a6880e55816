package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/posit-dev/git-credential-ppm/internal/addr"
)

// chunkedStore is the store of the Windows Credential Manager (wincred.go)
// and of both macOS Keychain stores (keychain.go): one item per address,
// named prefix + the address without trailing slashes, over a credAPI whose
// items hold at most maxBlob bytes.
//
//   - A token of at most maxBlob bytes is the blob of that one item.
//   - A longer token (at most maxChunkedToken bytes) is split into pieces of
//     maxBlob bytes stored as "<target>:chunk:0", "<target>:chunk:1", …, and
//     the primary item's blob becomes a header: a NUL byte (no token can
//     start with one: Set refuses NUL), "git-credential-ppm chunks=N len=L
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
	// tokenUser is the user name of every item: the one PPM repositories
	// expect with the token.
	tokenUser = "__token__"
	// maxChunkedToken bounds the token length: 64 KiB, git's own limit on a
	// credential line, i.e. at most 26 pieces of 2560 bytes.
	maxChunkedToken = 64 << 10
	// chunkMagic starts the primary item's blob of a chunked token.
	chunkMagic = "\x00git-credential-ppm chunks="
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

// chunkedStore is a Store over a credAPI whose items hold at most maxBlob
// bytes: the Windows Credential Manager, and the macOS Keychain (driven
// through /usr/bin/security, or the Security framework with no limit).
// Tokens over maxBlob bytes are split into "<target>:chunk:<i>" items
// behind a header in the primary item; the layout, the write order and what
// a reader sees after an interrupted write are described above.
type chunkedStore struct {
	api      credAPI
	name     string // Name()
	describe string // Describe()
	where    string // "the Windows Credential Manager", for error sentences
	prefix   string // prepended to the address to make an item's name
	maxBlob  int    // largest blob one item holds
	// explain turns an error from api into the reason a person reads, or
	// returns it unchanged.
	explain func(error) error
}

// target is the primary item's name for address.
func (s *chunkedStore) target(address string) (string, error) {
	a := addr.Key(address)
	if a == "" {
		return "", fmt.Errorf("cannot use an empty address with %s; set PACKAGEMANAGER_ADDRESS to the PPM URL", s.where)
	}
	return s.prefix + a, nil
}

func chunkTarget(target string, i int) string {
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
	return fmt.Appendf(nil, "%s%d len=%d sha256=%s", chunkMagic, h.count, h.length, h.sum)
}

// parseChunkHeader decodes blob as the header of a token split into pieces;
// ok is false when blob is a plain token. The piece size is not checked
// (the length and hash are), so that stores with different item limits
// read each other's entries.
func parseChunkHeader(blob []byte) (h chunkHeader, ok bool, err error) {
	rest, found := bytes.CutPrefix(blob, []byte(chunkMagic))
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
		length > maxChunkedToken || count > length || len(sum) != 32 {
		return h, true, bad
	}
	return chunkHeader{count: count, length: length, sum: sum}, true, nil
}

// wrap turns a credAPI error into one sentence for a person.
func (s *chunkedStore) wrap(op, address string, err error) error {
	return fmt.Errorf("cannot %s the token for %s in %s: %w", op, address, s.where, s.explain(err))
}

// Get returns the token stored for address, or ErrNotFound.
func (s *chunkedStore) Get(address string) (string, error) {
	target, err := s.target(address)
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
		piece, err := s.api.read(chunkTarget(target, i))
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
func (s *chunkedStore) Set(address, token string) error {
	target, err := s.target(address)
	if err != nil {
		return err
	}
	switch {
	case token == "":
		return fmt.Errorf("refusing to store an empty token for %s", address)
	case strings.IndexByte(token, 0) >= 0:
		return fmt.Errorf("refusing to store a token containing a NUL byte for %s", address)
	case len(token) > maxChunkedToken:
		return fmt.Errorf("the token for %s is %d bytes, more than the %d %s store keeps; set PPM_CREDENTIAL_STORE=file", address, len(token), maxChunkedToken, s.name)
	}
	comment := "Posit Package Manager token for " + address + " (git-credential-ppm)"
	primary := credItem{Target: target, User: tokenUser, Comment: comment, Blob: []byte(token)}
	count := 0
	if len(token) > s.maxBlob {
		count = (len(token) + s.maxBlob - 1) / s.maxBlob
		for i := range count {
			piece := token[i*s.maxBlob : min((i+1)*s.maxBlob, len(token))]
			err := s.api.write(credItem{
				Target:  chunkTarget(target, i),
				User:    tokenUser,
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
func (s *chunkedStore) removeChunks(target string, from int) error {
	// Bounded by the largest count any store writes (64 KiB in pieces of at
	// least 64 bytes), not by this store's piece size: another store with
	// smaller items may have written them.
	for i := from; i < maxChunkedToken/64+1; i++ {
		err := s.api.remove(chunkTarget(target, i))
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
func (s *chunkedStore) Delete(address string) error {
	target, err := s.target(address)
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

// Name returns the store's name as PPM_CREDENTIAL_STORE spells it.
func (s *chunkedStore) Name() string { return s.name }

// Describe says which store this is and where tokens are kept.
func (s *chunkedStore) Describe() string { return s.describe }

// probe checks that the store can be used here (the logon session has a
// credential vault, the keychain is unlocked), by reading an item that does
// not exist.
func (s *chunkedStore) probe() error {
	_, err := s.api.read(s.prefix + "https://probe.invalid")
	if err == nil || errors.Is(err, errCredNotFound) {
		return nil
	}
	if err := s.explain(err); errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("%s cannot be used here: %w", s.where, err)
	}
	return fmt.Errorf("%w: %s does not answer: %v", ErrUnavailable, s.where, err)
}
