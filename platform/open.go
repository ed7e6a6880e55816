package platform

import (
	"errors"
	"fmt"
	"runtime"
)

// ErrUnavailable wraps the reason a platform store cannot be used here (no
// D-Bus session, no Secret Service, a network logon session on Windows …).
// Under PPM_CREDENTIAL_STORE=auto it makes OpenStore fall back to the file
// store; for an explicit choice it is the error.
var ErrUnavailable = errors.New("credential store unavailable")

// Options carries what opening a store needs from the environment, so that
// nothing in this package reads process-global state.
type Options struct {
	// Getenv reads an environment variable (os.Getenv in production).
	Getenv func(string) string
	// FilePath is the tokens.toml path used by the file store.
	FilePath string
}

// OpenStore opens the store named by choice ("", "auto", "file",
// "secretservice", "wincred", "keychain"). Under auto it returns the
// platform's native store, or the file store and a one-line warning saying
// why the native store could not be used.
func OpenStore(choice string, opts Options) (store Store, warning string, err error) {
	switch choice {
	case "", "auto":
		s, err := openNative(opts)
		if err == nil {
			return s, "", nil
		}
		if !errors.Is(err, ErrUnavailable) {
			return nil, "", err
		}
		fs := NewFileStore(opts.FilePath)
		fs.reason = err.Error()
		return fs, fmt.Sprintf("git-credential-ppm: keeping tokens in the file store %s (%v); set PPM_CREDENTIAL_STORE=file to silence this", opts.FilePath, err), nil
	case "file":
		return NewFileStore(opts.FilePath), "", nil
	case "secretservice", "wincred", "keychain":
		if choice != nativeName {
			return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%s is not available on %s; use auto, file or %s", choice, runtime.GOOS, nativeName)
		}
		s, err := openNative(opts)
		if err != nil {
			return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%s: %w; fix that, or use PPM_CREDENTIAL_STORE=auto or file", choice, err)
		}
		return s, "", nil
	default:
		return nil, "", fmt.Errorf("PPM_CREDENTIAL_STORE=%q is not a store; use auto, file, keychain, wincred or secretservice", choice)
	}
}
