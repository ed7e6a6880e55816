//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

const nativeName = StoreSecretService

// openNative opens the Secret Service store (gnome-keyring, KWallet,
// KeePassXC …) over the session D-Bus. No session bus, no service on it, or
// no default collection wrap ErrUnavailable.
func openNative(opts Options) (Store, error) {
	s, err := openSecretService(secretServiceConfig{getenv: opts.Getenv, prefetch: opts.Prefetch})
	if err != nil {
		return nil, err
	}
	return s, nil
}
