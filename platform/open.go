package platform

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
)

// ErrUnavailable wraps the reason a platform store cannot be used here (no
// D-Bus session, no Secret Service, a network logon session on Windows …).
// Under PPM_CREDENTIAL_STORE=auto it makes OpenStore fall back to the file
// store; for an explicit choice it is the error.
var ErrUnavailable = errors.New("credential store unavailable")

// Store names, as PPM_CREDENTIAL_STORE spells them and Store.Name returns
// them.
const (
	StoreFile          = "file"
	StoreKeychain      = "keychain"
	StoreWincred       = "wincred"
	StoreSecretService = "secretservice"
)

// Options carries what opening a store needs from the environment, so that
// nothing in this package reads process-global state.
type Options struct {
	// Getenv reads an environment variable (os.Getenv in production).
	Getenv func(string) string
	// FilePath is the tokens.toml path used by the file store.
	FilePath string
	// Prefetch lists the addresses the caller is about to look up (the
	// configured ones, as configured). A store may start those lookups
	// while it opens, to save round trips (the Secret Service does); it
	// changes no answer. Optional.
	Prefetch []string
}

// storeKind is one store of the registry.
type storeKind struct {
	name string
	// native marks an operating system's own store: it exists on one OS
	// (nativeName, set by the build-tagged native_*.go files, which also
	// provide openNative) and is what auto prefers there.
	native bool
	// open opens a store that is not native; nil for native ones.
	open func(Options) (Store, error)
}

// storeKinds is the registry: every store PPM_CREDENTIAL_STORE can name, in
// the order messages list them. A new store is one line here and its
// opener.
func storeKinds() []storeKind {
	return []storeKind{
		{name: StoreFile, open: func(o Options) (Store, error) { return NewFileStore(o.FilePath), nil }},
		{name: StoreKeychain, native: true},
		{name: StoreWincred, native: true},
		{name: StoreSecretService, native: true},
	}
}

// OpenStore opens the store named by choice: "" or "auto", or one of the
// Store* names. Under auto it returns the platform's native store, or the
// file store and a one-line warning saying why the native store could not
// be used.
func OpenStore(choice string, opts Options) (store Store, warning string, err error) {
	if choice == "" || choice == "auto" {
		s, err := openNative(opts)
		if err == nil {
			return s, "", nil
		}
		if !errors.Is(err, ErrUnavailable) {
			return nil, "", err
		}
		fs := NewFileStore(opts.FilePath)
		fs.reason = err.Error()
		return fs, fmt.Sprintf("git-credential-ppm: keeping tokens in the file store %s, because %v; set PPM_CREDENTIAL_STORE=%s to silence this", opts.FilePath, err, StoreFile), nil
	}
	var names []string
	for _, k := range storeKinds() {
		names = append(names, k.name)
		if k.name != choice {
			continue
		}
		if !k.native {
			return wrapOpen(k.open(opts))
		}
		if k.name != nativeName {
			return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%s is not available on %s; use auto, %s or %s", choice, runtime.GOOS, StoreFile, nativeName)
		}
		s, err := openNative(opts)
		if err != nil {
			return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%s: %w; fix that, or use PPM_CREDENTIAL_STORE=auto or %s", choice, err, StoreFile)
		}
		return s, "", nil
	}
	return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%q is not a store; use auto, %s or %s", choice, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

func wrapOpen(s Store, err error) (Store, string, error) {
	if err != nil {
		return nil, "", err
	}
	return s, "", nil
}
