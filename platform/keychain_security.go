package platform

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// The macOS Keychain through /usr/bin/security, for binaries built without
// cgo. It is weaker than the cgo store: an item's access list trusts the
// program that created it, and here that program is /usr/bin/security, so
// any process that runs `security find-generic-password -s
// git-credential-ppm -w` can read the token without a prompt. Build with
// cgo (the default on a Mac) for items only git-credential-ppm can read.
//
// The token never appears in argv (which `ps` shows to every user): writes
// run `security -i` and send the add-generic-password command on its
// standard input. That interactive mode reads lines of at most 4096 bytes
// (MAX_LINE_LEN in SecurityTool's security.c) and would run the rest of a
// longer line as a command of its own, so every line is checked against
// securityMaxLine, and tokens longer than securityMaxBlob bytes are split
// into several items by chunkedStore.
//
// `find-generic-password -w` prints a password as it is when every byte is
// printable ASCII, and as bare lowercase hex otherwise, which cannot be told
// apart from a password made of hex digits. So every password written here
// starts with a NUL byte (passed as `-X <hex>`): it always reads back as
// hex, is decoded, and the marker dropped (keychainDecode).

const (
	// securityPath is Apple's keychain command-line tool.
	securityPath = "/usr/bin/security"
	// securityMaxLine bounds one command line sent to `security -i`,
	// newline included, with a margin below its 4096-byte buffer.
	securityMaxLine = 4000
	// securityMaxBlob is the largest piece of a token one item holds: its
	// hex form (with the marker) takes 2*(1+1400) bytes of the line.
	securityMaxBlob = 1400
)

// commandRunner runs a program and reports how it ended; err is only for a
// program that could not be run at all.
type commandRunner interface {
	run(path string, args []string, stdin []byte) (stdout, stderr []byte, exitCode int, err error)
}

// execRunner is commandRunner on os/exec.
type execRunner struct{}

func (execRunner) run(path string, args []string, stdin []byte) (stdout, stderr []byte, exitCode int, err error) {
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		return out.Bytes(), errOut.Bytes(), exitErr.ExitCode(), nil
	}
	if err != nil {
		return nil, nil, -1, err
	}
	return out.Bytes(), errOut.Bytes(), 0, nil
}

// securityAPI is credAPI on /usr/bin/security; an item's target is its
// account, the service is always keychainService.
type securityAPI struct {
	path   string
	runner commandRunner
}

// newSecurityStore is the Keychain store driving the security tool at path.
func newSecurityStore(path string, runner commandRunner) *chunkedStore {
	return newKeychainStore(securityAPI{path: path, runner: runner},
		"keychain (macOS login keychain via "+path+", service "+keychainService+")", securityMaxBlob)
}

func (a securityAPI) read(account string) (credItem, error) {
	stdout, stderr, code, err := a.runner.run(a.path, []string{"find-generic-password", "-s", keychainService, "-a", account, "-w"}, nil)
	if err != nil {
		return credItem{}, fmt.Errorf("cannot run %s: %w", a.path, err)
	}
	if code != 0 {
		return credItem{}, securityExitError(code, stderr, "")
	}
	blob, err := parseSecurityPassword(stdout)
	if err != nil {
		return credItem{}, err
	}
	return credItem{Target: account, User: tokenUser, Blob: blob}, nil
}

func (a securityAPI) write(item credItem) error {
	line, err := securityAddLine(item)
	if err != nil {
		return err
	}
	_, stderr, code, err := a.runner.run(a.path, []string{"-i"}, line)
	if err != nil {
		return fmt.Errorf("cannot run %s: %w", a.path, err)
	}
	if code != 0 {
		return securityExitError(code, stderr, securityHex(item.Blob))
	}
	return nil
}

func (a securityAPI) remove(account string) error {
	_, stderr, code, err := a.runner.run(a.path, []string{"delete-generic-password", "-s", keychainService, "-a", account}, nil)
	if err != nil {
		return fmt.Errorf("cannot run %s: %w", a.path, err)
	}
	if code != 0 {
		return securityExitError(code, stderr, "")
	}
	return nil
}

// securityHex is the -X argument for blob: the NUL marker and blob, in hex.
func securityHex(blob []byte) string {
	return hex.EncodeToString(append([]byte{0}, blob...))
}

// securityQuote quotes s for the line splitter of `security -i`: inside
// double quotes, a backslash takes the next character as it is. A line
// break or NUL cannot be quoted (it would end the command).
func securityQuote(s string) (string, error) {
	if strings.ContainsAny(s, "\n\r\x00") {
		return "", fmt.Errorf("cannot pass %q to %s: it contains a line break or NUL", s, securityPath)
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, c := range []byte(s) {
		if c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte('"')
	return b.String(), nil
}

// securityAddLine is the line sent to `security -i` to create or update
// item, newline included.
func securityAddLine(item credItem) ([]byte, error) {
	account, err := securityQuote(item.Target)
	if err != nil {
		return nil, err
	}
	label, err := securityQuote(keychainLabel(item))
	if err != nil {
		return nil, err
	}
	line := fmt.Sprintf("add-generic-password -U -s %s -a %s -l %s -X %s\n", keychainService, account, label, securityHex(item.Blob))
	if len(line) > securityMaxLine {
		return nil, fmt.Errorf("the address %s is too long for %s (a command line of %d bytes, at most %d); set PPM_CREDENTIAL_STORE=file", item.Target, securityPath, len(line), securityMaxLine)
	}
	return []byte(line), nil
}

// parseSecurityPassword reads the output of `find-generic-password -w`: the
// password, then one newline. Passwords this store wrote print as hex (the
// NUL marker makes them unprintable); others print as they are.
func parseSecurityPassword(out []byte) ([]byte, error) {
	pw, ok := bytes.CutSuffix(out, []byte("\n"))
	if !ok {
		return nil, fmt.Errorf("%s printed an unexpected answer (%d bytes without a final newline)", securityPath, len(out))
	}
	if bytes.HasPrefix(pw, []byte("00")) && len(pw)%2 == 0 {
		if blob, err := hex.DecodeString(string(pw)); err == nil {
			return keychainDecode(blob), nil
		}
	}
	return pw, nil
}

// securityStatuses are the OSStatus codes recognised from the exit code of
// `security`, which is the status's low byte.
var securityStatuses = []keychainStatus{
	errSecItemNotFound, errSecDuplicateItem, errSecInteractionNotAllowed,
	errSecUserCanceled, errSecAuthFailed, errSecNoSuchKeychain, errSecNoDefaultKeychain,
}

// securityExitError turns a failed `security` run into an error: exit 44
// is errCredNotFound, other known statuses a keychainStatus, anything else
// the tool's stderr on one line, with secret (if any) cut out of it.
func securityExitError(code int, stderr []byte, secret string) error {
	for _, st := range securityStatuses {
		if code == int(uint8(st)) {
			if st == errSecItemNotFound {
				return errCredNotFound
			}
			return st
		}
	}
	msg := strings.TrimSpace(string(stderr))
	if secret != "" {
		msg = strings.ReplaceAll(msg, secret, "[token]")
	}
	msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg == "" {
		return fmt.Errorf("%s exited with status %d", securityPath, code)
	}
	return fmt.Errorf("%s exited with status %d: %s", securityPath, code, msg)
}
