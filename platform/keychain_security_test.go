package platform

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakeSecurity plays /usr/bin/security over an in-memory keychain. It parses
// `security -i` input lines the way SecurityTool's split_line does, prints
// passwords the way find-generic-password -w does, and exits with the low
// byte of the OSStatus. Every argv and stdin it receives is recorded.
type fakeSecurity struct {
	items  map[string][]byte // account → password (service checked apart)
	labels map[string]string
	argv   [][]string
	stdin  [][]byte
	// exit, when set, forces the exit code of the next run.
	exit int
}

func newFakeSecurity() *fakeSecurity {
	return &fakeSecurity{items: map[string][]byte{}, labels: map[string]string{}}
}

// splitSecurityLine mirrors split_line in SecurityTool's security.c: quotes
// ' or " group, a backslash takes the next character, whitespace separates.
func splitSecurityLine(line string) []string {
	var args []string
	var cur []byte
	in, quote, escaped, started := false, byte(0), false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case escaped:
			cur, escaped = append(cur, c), false
		case c == '\\':
			escaped, started = true, true
		case in && c == quote:
			args, cur, in, started = append(args, string(cur)), nil, false, false
		case in:
			cur = append(cur, c)
		case !started && (c == '"' || c == '\''):
			in, quote, started = true, c, true
		case c == ' ' || c == '\t' || c == '\n':
			if started {
				args, cur, started = append(args, string(cur)), nil, false
			}
		default:
			cur, started = append(cur, c), true
		}
	}
	if started {
		args = append(args, string(cur))
	}
	return args
}

func flags(args []string) map[string]string {
	m := map[string]string{}
	for i := 0; i < len(args); i++ {
		if strings.HasPrefix(args[i], "-") {
			if args[i] == "-U" || args[i] == "-w" && i == len(args)-1 {
				m[args[i]] = ""
				continue
			}
			if i+1 < len(args) {
				m[args[i]] = args[i+1]
				i++
			}
		}
	}
	return m
}

func (f *fakeSecurity) run(path string, args []string, stdin []byte) ([]byte, []byte, int, error) {
	f.argv = append(f.argv, append([]string{path}, args...))
	f.stdin = append(f.stdin, stdin)
	if f.exit != 0 {
		code := f.exit
		f.exit = 0
		return nil, []byte("security: SecKeychainSearchCopyNext: forced failure\n"), code, nil
	}
	if len(args) == 1 && args[0] == "-i" {
		if len(stdin) > 4096 || bytes.Count(stdin, []byte("\n")) != 1 {
			return nil, []byte("fake security: input line over 4096 bytes or not one line\n"), 1, nil
		}
		args = splitSecurityLine(string(stdin))
	}
	fl := flags(args[1:])
	if fl["-s"] != keychainService {
		return nil, []byte("fake security: wrong service\n"), 1, nil
	}
	acct := fl["-a"]
	switch args[0] {
	case "find-generic-password":
		pw, ok := f.items[acct]
		if !ok {
			return nil, []byte("security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n"), 44, nil
		}
		printable := true
		for _, c := range pw {
			if c < 0x20 || c > 0x7e {
				printable = false
			}
		}
		if printable {
			return append(bytes.Clone(pw), '\n'), nil, 0, nil
		}
		return []byte(hex.EncodeToString(pw) + "\n"), nil, 0, nil
	case "add-generic-password":
		if _, ok := f.items[acct]; ok {
			if _, update := fl["-U"]; !update {
				return nil, []byte("security: SecKeychainItemCreateFromContent (<default>): The specified item already exists in the keychain.\n"), 45, nil
			}
		}
		var pw []byte
		if x, ok := fl["-X"]; ok {
			b, err := hex.DecodeString(x)
			if err != nil {
				return nil, []byte("fake security: bad -X\n"), 1, nil
			}
			pw = b
		} else {
			pw = []byte(fl["-w"])
		}
		f.items[acct], f.labels[acct] = pw, fl["-l"]
		return nil, nil, 0, nil
	case "delete-generic-password":
		if _, ok := f.items[acct]; !ok {
			return nil, []byte("security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n"), 44, nil
		}
		delete(f.items, acct)
		return []byte("keychain: \"/Users/me/Library/Keychains/login.keychain-db\"\n"), nil, 0, nil
	}
	return nil, []byte("fake security: unknown command\n"), 1, nil
}

// assertNoTokenInArgv fails t if any recorded argv holds tok or a piece of
// it (in plain or hex form).
func (f *fakeSecurity) assertNoTokenInArgv(t *testing.T, tok string) {
	t.Helper()
	probe := tok
	if len(probe) > 32 {
		probe = probe[:32]
	}
	for _, argv := range f.argv {
		for _, a := range argv {
			if strings.Contains(a, probe) || strings.Contains(a, hex.EncodeToString([]byte(probe))) {
				t.Fatalf("the token appears in argv: %q", argv)
			}
		}
	}
}

func TestSecurityQuote(t *testing.T) {
	tests := []string{
		"https://ppm.example.com",
		`a "quoted" word`,
		`back\slash and 'single'`,
		"tab\tinside",
		"https://пакеты.example/ü",
	}
	for _, s := range tests {
		q, err := securityQuote(s)
		if err != nil {
			t.Fatalf("securityQuote(%q): %v", s, err)
		}
		if got := splitSecurityLine("cmd " + q); len(got) != 2 || got[1] != s {
			t.Errorf("securityQuote(%q) = %s, which splits to %q", s, q, got)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b"} {
		if _, err := securityQuote(bad); err == nil {
			t.Errorf("securityQuote(%q) succeeded; want an error", bad)
		}
	}
}

func TestSecurityStoreRoundTrip(t *testing.T) {
	tokens := map[string]string{
		"jwt":        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJtZSJ9.c2ln",
		"hex_digits": "00deadbeef00",
		"tab":        "two words\tand a tab",
		"non_ascii":  "jetón-ü",
		"4KiB":       longToken(4<<10, "k"),
		"16KiB":      longToken(16<<10, "k"),
		"max":        longToken(maxChunkedToken, "k"),
	}
	for name, tok := range tokens {
		t.Run(name, func(t *testing.T) {
			fake := newFakeSecurity()
			s := newSecurityStore("/usr/bin/security", fake)
			if err := s.Set(testAddr+"/", tok); err != nil {
				t.Fatalf("Set: %v", err)
			}
			got, err := s.Get(testAddr)
			if err != nil || got != tok {
				t.Fatalf("Get = %d bytes, %v; want the %d-byte token", len(got), err, len(tok))
			}
			fake.assertNoTokenInArgv(t, tok)
			for _, in := range fake.stdin {
				if len(in) > securityMaxLine {
					t.Fatalf("a %d-byte line went to security -i", len(in))
				}
			}
			if err := s.Delete(testAddr); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if len(fake.items) != 0 {
				t.Fatalf("items left after Delete: %d", len(fake.items))
			}
		})
	}
}

func TestSecurityStoreCommands(t *testing.T) {
	fake := newFakeSecurity()
	s := newSecurityStore("/usr/bin/security", fake)
	tok := "eyJ.secret.token"
	if err := s.Set(testAddr, tok); err != nil {
		t.Fatal(err)
	}
	// One `security -i` run for the write, with the command on stdin.
	var writes int
	for i, argv := range fake.argv {
		if len(argv) == 2 && argv[1] == "-i" {
			writes++
			want := fmt.Sprintf("add-generic-password -U -s git-credential-ppm -a %q -l %q -X 00%s\n",
				testAddr, "Posit Package Manager token for "+testAddr+" (git-credential-ppm)", hex.EncodeToString([]byte(tok)))
			if string(fake.stdin[i]) != want {
				t.Errorf("stdin of security -i =\n%s\nwant\n%s", fake.stdin[i], want)
			}
		}
	}
	if writes != 1 {
		t.Errorf("%d runs of security -i; want 1", writes)
	}
	fake.argv = nil
	if _, err := s.Get(testAddr); err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/bin/security", "find-generic-password", "-s", "git-credential-ppm", "-a", testAddr, "-w"}
	if len(fake.argv) != 1 || strings.Join(fake.argv[0], " ") != strings.Join(want, " ") {
		t.Errorf("Get ran %q; want %q", fake.argv, want)
	}
	if fake.labels[testAddr] != "Posit Package Manager token for "+testAddr+" (git-credential-ppm)" {
		t.Errorf("label %q", fake.labels[testAddr])
	}
}

func TestSecurityStoreMissing(t *testing.T) {
	s := newSecurityStore("/usr/bin/security", newFakeSecurity())
	if _, err := s.Get(testAddr); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing item = %v; want ErrNotFound", err)
	}
	if err := s.Delete(testAddr); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete of a missing item = %v; want ErrNotFound", err)
	}
}

// TestSecurityStoreReadsPlainItems: an item someone stored with `security
// add-generic-password -w` (no marker) reads back as it is.
func TestSecurityStoreReadsPlainItems(t *testing.T) {
	fake := newFakeSecurity()
	fake.items[testAddr] = []byte("eyJ.plain.token")
	got, err := newSecurityStore("/usr/bin/security", fake).Get(testAddr + "/")
	if err != nil || got != "eyJ.plain.token" {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestSecurityExitCodes(t *testing.T) {
	tests := []struct {
		code     int
		wantIs   error
		wantText string
	}{
		{36, ErrUnavailable, "security unlock-keychain"},
		{51, nil, "refused access"},
		{128, nil, "cancelled"},
		{50, ErrUnavailable, "no default keychain"},
		{1, nil, "exited with status 1: security: SecKeychainSearchCopyNext: forced failure"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			fake := newFakeSecurity()
			s := newSecurityStore("/usr/bin/security", fake)
			fake.exit = tt.code
			_, err := s.Get(testAddr)
			if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("Get with security exiting %d = %v; want %v mentioning %q", tt.code, err, tt.wantIs, tt.wantText)
			}
		})
	}
	fake := newFakeSecurity()
	fake.exit = 36
	if err := newSecurityStore("/usr/bin/security", fake).probe(); !errors.Is(err, ErrUnavailable) ||
		!strings.Contains(err.Error(), keychainLockedMessage) {
		t.Fatalf("probe of a locked keychain = %v; want ErrUnavailable and %q", err, keychainLockedMessage)
	}
}

func TestSecurityExitErrorRedacts(t *testing.T) {
	secret := securityHex([]byte("tok"))
	err := securityExitError(1, []byte("security: unknown command \""+secret+"\"\nadd-generic-password: returned 1\n"), secret)
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error %q contains the token or a line break", err)
	}
}

func TestSecurityLongAddress(t *testing.T) {
	s := newSecurityStore("/usr/bin/security", newFakeSecurity())
	addr := "https://ppm.example.com/" + strings.Repeat("p", 1000)
	err := s.Set(addr, longToken(3000, "t"))
	if err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("Set with a very long address = %v; want a clear refusal", err)
	}
}

func TestKeychainIdentity(t *testing.T) {
	s := newSecurityStore("/usr/bin/security", newFakeSecurity())
	if s.Name() != "keychain" || !strings.HasPrefix(s.Describe(), "keychain (") {
		t.Fatalf("Name %q Describe %q", s.Name(), s.Describe())
	}
}

// TestExecRunner runs a real program through execRunner: a shell script
// standing in for security, which records argv and stdin and exits 44.
func TestExecRunner(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("execRunner is exercised with a shell script; Windows has no /bin/sh")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "security")
	body := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.argv\"\ncat > \"$0.stdin\"\necho found-it\necho oops >&2\nexit 44\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	out, errOut, code, err := execRunner{}.run(script, []string{"-i"}, []byte("add-generic-password -X 00ab\n"))
	if err != nil || code != 44 || string(out) != "found-it\n" || string(errOut) != "oops\n" {
		t.Fatalf("run = %q, %q, %d, %v", out, errOut, code, err)
	}
	if argv, _ := os.ReadFile(script + ".argv"); string(argv) != "-i\n" {
		t.Errorf("argv %q", argv)
	}
	if in, _ := os.ReadFile(script + ".stdin"); string(in) != "add-generic-password -X 00ab\n" {
		t.Errorf("stdin %q", in)
	}
	if _, _, _, err := (execRunner{}).run(filepath.Join(dir, "missing"), nil, nil); err == nil {
		t.Error("running a missing program succeeded")
	}
}

func TestExplainKeychain(t *testing.T) {
	if err := explainKeychain(keychainStatus(errSecInteractionNotAllowed)); !errors.Is(err, ErrUnavailable) ||
		!strings.Contains(err.Error(), "the login keychain is locked (SSH session?): run `security unlock-keychain`") {
		t.Errorf("locked: %v", err)
	}
	other := errors.New("other")
	if explainKeychain(other) != other {
		t.Error("an unknown error was changed")
	}
	if got := explainKeychain(keychainStatus(-1)).Error(); got != "Keychain error (OSStatus -1)" {
		t.Errorf("unknown status: %q", got)
	}
}

func TestKeychainDecode(t *testing.T) {
	for in, want := range map[string]string{"\x00tok": "tok", "tok": "tok", "": "", "\x00": ""} {
		if got := string(keychainDecode([]byte(in))); got != want {
			t.Errorf("keychainDecode(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestKeychainStoresShareItems: a chunked token written through
// /usr/bin/security reads back through a store with no item limit (the cgo
// store's settings), over the same items.
func TestKeychainStoresShareItems(t *testing.T) {
	fake := newFakeSecurity()
	tok := longToken(5000, "shared")
	if err := newSecurityStore("/usr/bin/security", fake).Set(testAddr, tok); err != nil {
		t.Fatal(err)
	}
	unlimited := newKeychainStore(securityAPI{path: "/usr/bin/security", runner: fake}, "keychain (test)", maxChunkedToken)
	if got, err := unlimited.Get(testAddr); err != nil || got != tok {
		t.Fatalf("Get through a store without chunking = %d bytes, %v", len(got), err)
	}
	short := "eyJ.short"
	if err := unlimited.Set(testAddr, short); err != nil {
		t.Fatal(err)
	}
	if len(fake.items) != 1 {
		t.Fatalf("%d items after storing a short token; want 1 (old chunks deleted)", len(fake.items))
	}
}
