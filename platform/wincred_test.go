package platform

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// fakeCredAPI is an in-memory Credential Manager that enforces the blob
// limit real Windows enforces (Wine does not), and can fail chosen calls.
type fakeCredAPI struct {
	items map[string]credItem
	// fail, when set, is asked before each call; a non-nil error fails it.
	fail func(op, target string) error
}

func newFakeCredAPI() *fakeCredAPI { return &fakeCredAPI{items: map[string]credItem{}} }

// errBadStubData stands for RPC_X_BAD_STUB_DATA (1783), what CredWrite
// returns on Windows for a blob over 2560 bytes.
var errBadStubData = errors.New("the stub received bad data")

func (f *fakeCredAPI) check(op, target string) error {
	if f.fail != nil {
		return f.fail(op, target)
	}
	return nil
}

func (f *fakeCredAPI) read(target string) (credItem, error) {
	if err := f.check("read", target); err != nil {
		return credItem{}, err
	}
	it, ok := f.items[target]
	if !ok {
		return credItem{}, errCredNotFound
	}
	it.Blob = slices.Clone(it.Blob)
	return it, nil
}

func (f *fakeCredAPI) write(item credItem) error {
	if err := f.check("write", item.Target); err != nil {
		return err
	}
	if len(item.Blob) > wincredMaxBlob {
		return errBadStubData
	}
	item.Blob = slices.Clone(item.Blob)
	f.items[item.Target] = item
	return nil
}

func (f *fakeCredAPI) remove(target string) error {
	if err := f.check("remove", target); err != nil {
		return err
	}
	if _, ok := f.items[target]; !ok {
		return errCredNotFound
	}
	delete(f.items, target)
	return nil
}

func (f *fakeCredAPI) targets() []string { return slices.Sorted(maps.Keys(f.items)) }

// longToken returns a printable token of n bytes that differs from one
// generation to the next.
func longToken(n int, gen string) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%s.%06d-", gen, i)
	}
	return b.String()[:n]
}

const testAddr = "https://ppm.example.com"

func TestWincredTargetNames(t *testing.T) {
	tests := []struct{ address, want string }{
		{"https://ppm.example.com", "git-credential-ppm:https://ppm.example.com"},
		{"https://ppm.example.com/", "git-credential-ppm:https://ppm.example.com"},
		{"https://ppm.example.com//", "git-credential-ppm:https://ppm.example.com"},
		{"https://ppm.example.com:8443/cran/", "git-credential-ppm:https://ppm.example.com:8443/cran"},
	}
	for _, tt := range tests {
		got, err := wincredTarget(tt.address)
		if err != nil || got != tt.want {
			t.Errorf("wincredTarget(%q) = %q, %v; want %q", tt.address, got, err, tt.want)
		}
	}
	if _, err := wincredTarget("/"); err == nil {
		t.Error(`wincredTarget("/") succeeded; want an error for an empty address`)
	}
}

func TestWincredTrailingSlashIsTheSameEntry(t *testing.T) {
	api := newFakeCredAPI()
	s := newWincredStore(api)
	if err := s.Set(testAddr+"/", "tok-1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(testAddr); err != nil || got != "tok-1" {
		t.Fatalf("Get without the slash = %q, %v; want tok-1", got, err)
	}
	if err := s.Set(testAddr, "tok-2"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(testAddr + "/"); err != nil || got != "tok-2" {
		t.Fatalf("Get with the slash = %q, %v; want tok-2", got, err)
	}
	if want := []string{"git-credential-ppm:" + testAddr}; !slices.Equal(api.targets(), want) {
		t.Fatalf("targets = %q; want %q", api.targets(), want)
	}
	it := api.items["git-credential-ppm:"+testAddr]
	if it.User != "__token__" || !strings.Contains(it.Comment, testAddr) {
		t.Errorf("item user %q comment %q; want __token__ and a comment naming the address", it.User, it.Comment)
	}
}

// TestWincredSizes stores tokens around the blob limit and checks how many
// items each takes, that no blob exceeds the limit and that they read back.
func TestWincredSizes(t *testing.T) {
	tests := []struct {
		size, items int
	}{
		{1, 1},
		{2559, 1},
		{2560, 1},
		{2561, 3}, // primary + 2 chunks
		{4 << 10, 3},
		{5120, 3},
		{5121, 4},
		{16 << 10, 8}, // primary + 7 chunks
		{maxChunkedToken, 1 + 26},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			api := newFakeCredAPI()
			s := newWincredStore(api)
			tok := longToken(tt.size, "a")
			if err := s.Set(testAddr, tok); err != nil {
				t.Fatalf("Set of %d bytes: %v", tt.size, err)
			}
			if len(api.items) != tt.items {
				t.Errorf("%d items %q; want %d", len(api.items), api.targets(), tt.items)
			}
			for target, it := range api.items {
				if len(it.Blob) > wincredMaxBlob {
					t.Errorf("%s has a %d-byte blob", target, len(it.Blob))
				}
				if it.User != tokenUser {
					t.Errorf("%s has user %q", target, it.User)
				}
			}
			got, err := s.Get(testAddr)
			if err != nil || got != tok {
				t.Fatalf("Get = %d bytes, %v; want the %d-byte token", len(got), err, tt.size)
			}
		})
	}
}

func TestWincredRefuses(t *testing.T) {
	tests := []struct{ name, token, want string }{
		{"empty", "", "empty token"},
		{"nul", "abc\x00def", "NUL byte"},
		{"too_long", longToken(maxChunkedToken+1, "x"), "PPM_CREDENTIAL_STORE=file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeCredAPI()
			err := newWincredStore(api).Set(testAddr, tt.token)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Set = %v; want an error mentioning %q", err, tt.want)
			}
			if tt.token != "" && strings.Contains(err.Error(), tt.token) {
				t.Fatalf("the error contains the token")
			}
			if len(api.items) != 0 {
				t.Fatalf("a refused token left items %q", api.targets())
			}
		})
	}
}

// TestWincredOverwrite replaces tokens of every shape with every other shape
// and checks that no chunk of an older token is left behind.
func TestWincredOverwrite(t *testing.T) {
	sizes := []int{10, 2560, 4 << 10, 16 << 10}
	for _, from := range sizes {
		for _, to := range sizes {
			t.Run(fmt.Sprintf("%d_to_%d", from, to), func(t *testing.T) {
				api := newFakeCredAPI()
				s := newWincredStore(api)
				if err := s.Set(testAddr, longToken(from, "old")); err != nil {
					t.Fatal(err)
				}
				tok := longToken(to, "new")
				if err := s.Set(testAddr, tok); err != nil {
					t.Fatal(err)
				}
				fresh := newFakeCredAPI()
				if err := newWincredStore(fresh).Set(testAddr, tok); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(api.targets(), fresh.targets()) {
					t.Errorf("after overwrite: items %q; a fresh store has %q", api.targets(), fresh.targets())
				}
				if got, err := s.Get(testAddr); err != nil || got != tok {
					t.Errorf("Get = %d bytes, %v; want the new %d-byte token", len(got), err, to)
				}
			})
		}
	}
}

func TestWincredDelete(t *testing.T) {
	api := newFakeCredAPI()
	s := newWincredStore(api)
	other := "https://other.example.com"
	if err := s.Set(other, longToken(5000, "o")); err != nil {
		t.Fatal(err)
	}
	keep := api.targets()
	if err := s.Set(testAddr, longToken(16<<10, "a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(testAddr + "/"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if !slices.Equal(api.targets(), keep) {
		t.Fatalf("after Delete: items %q; want only the other address's %q", api.targets(), keep)
	}
	if _, err := s.Get(testAddr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v; want ErrNotFound", err)
	}
	if err := s.Delete(testAddr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete = %v; want ErrNotFound", err)
	}
}

// TestWincredDeleteRemovesOrphans: pieces left by an interrupted write (no
// primary item) are removed by Delete, which still reports ErrNotFound.
func TestWincredDeleteRemovesOrphans(t *testing.T) {
	api := newFakeCredAPI()
	target := "git-credential-ppm:" + testAddr
	for i := range 3 {
		api.items[chunkTarget(target, i)] = credItem{Target: chunkTarget(target, i), Blob: []byte("x")}
	}
	if err := newWincredStore(api).Delete(testAddr); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete = %v; want ErrNotFound", err)
	}
	if len(api.items) != 0 {
		t.Fatalf("orphans left: %q", api.targets())
	}
}

// TestWincredInterruptedWrite fails each write of a Set in turn and checks
// what a reader sees afterwards: the old token, or ErrNotFound (never a
// wrong token), and that a later Set repairs the entry.
func TestWincredInterruptedWrite(t *testing.T) {
	for _, oldSize := range []int{100, 6000} {
		for failAt := 0; failAt < 4; failAt++ {
			t.Run(fmt.Sprintf("old%d_fail_write%d", oldSize, failAt), func(t *testing.T) {
				api := newFakeCredAPI()
				s := newWincredStore(api)
				old := longToken(oldSize, "old")
				if err := s.Set(testAddr, old); err != nil {
					t.Fatal(err)
				}
				writes := 0
				api.fail = func(op, target string) error {
					if op != "write" {
						return nil
					}
					writes++
					if writes-1 == failAt {
						return errors.New("disk on fire")
					}
					return nil
				}
				tok := longToken(7000, "new") // 3 chunks + primary = 4 writes
				if err := s.Set(testAddr, tok); err == nil || strings.Contains(err.Error(), tok) {
					t.Fatalf("Set with write %d failing = %v; want an error without the token", failAt, err)
				}
				api.fail = nil
				got, err := s.Get(testAddr)
				switch {
				case err == nil && got == old:
				case errors.Is(err, ErrNotFound):
				default:
					t.Fatalf("Get after an interrupted Set = %d bytes, %v; want the old token or ErrNotFound", len(got), err)
				}
				if err := s.Set(testAddr, tok); err != nil {
					t.Fatal(err)
				}
				if got, err := s.Get(testAddr); err != nil || got != tok {
					t.Fatalf("Get after a repairing Set = %d bytes, %v", len(got), err)
				}
			})
		}
	}
}

// TestWincredDamagedEntries: chunked entries that do not add up read as
// ErrNotFound, so the caller logs in again instead of failing for ever.
func TestWincredDamagedEntries(t *testing.T) {
	target := "git-credential-ppm:" + testAddr
	tests := []struct {
		name   string
		damage func(api *fakeCredAPI)
	}{
		{"missing_chunk", func(api *fakeCredAPI) { delete(api.items, chunkTarget(target, 1)) }},
		{"changed_chunk", func(api *fakeCredAPI) {
			it := api.items[chunkTarget(target, 0)]
			it.Blob[0] ^= 1
			api.items[it.Target] = it
		}},
		{"short_chunk", func(api *fakeCredAPI) {
			it := api.items[chunkTarget(target, 2)]
			it.Blob = it.Blob[:1]
			api.items[it.Target] = it
		}},
		{"bad_header", func(api *fakeCredAPI) {
			it := api.items[target]
			it.Blob = []byte(chunkMagic + "three len=x")
			api.items[target] = it
		}},
		{"header_count_mismatch", func(api *fakeCredAPI) {
			it := api.items[target]
			it.Blob = []byte(chunkMagic + "9000 len=7000 sha256=00000000000000000000000000000000")
			api.items[target] = it
		}},
		{"empty_blob", func(api *fakeCredAPI) { api.items[target] = credItem{Target: target} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeCredAPI()
			s := newWincredStore(api)
			if err := s.Set(testAddr, longToken(7000, "a")); err != nil {
				t.Fatal(err)
			}
			tt.damage(api)
			if got, err := s.Get(testAddr); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get = %d bytes, %v; want ErrNotFound", len(got), err)
			}
		})
	}
}

func TestWincredNoLogonSession(t *testing.T) {
	api := newFakeCredAPI()
	api.fail = func(string, string) error { return errNoLogonSession }
	s := newWincredStore(api)
	if err := s.probe(); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "logon") {
		t.Errorf("probe = %v; want ErrUnavailable naming the logon session", err)
	}
	if _, err := s.Get(testAddr); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "PPM_CREDENTIAL_STORE=file") {
		t.Errorf("Get = %v; want ErrUnavailable suggesting the file store", err)
	}
	if err := s.Set(testAddr, "secret-token"); !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("Set = %v; want ErrUnavailable without the token", err)
	}
}

func TestWincredProbe(t *testing.T) {
	api := newFakeCredAPI()
	s := newWincredStore(api)
	if err := s.probe(); err != nil {
		t.Fatalf("probe of a working store = %v", err)
	}
	api.fail = func(string, string) error { return errors.New("RPC server unavailable") }
	if err := s.probe(); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("probe of a failing store = %v; want ErrUnavailable", err)
	}
}

func TestWincredIdentity(t *testing.T) {
	s := newWincredStore(newFakeCredAPI())
	if s.Name() != "wincred" {
		t.Errorf("Name() = %q", s.Name())
	}
	if want := "wincred (Windows Credential Manager, target git-credential-ppm:…)"; s.Describe() != want {
		t.Errorf("Describe() = %q; want %q", s.Describe(), want)
	}
}
