//go:build darwin && cgo

package platform

import (
	"errors"

	"github.com/keybase/go-keychain"
)

// keychainAPI is credAPI on the Security framework (SecItemAdd,
// SecItemUpdate, SecItemCopyMatching, SecItemDelete). An item's target is
// its account; the service is always keychainService. Items trust the
// binary that created them, so a rebuilt unsigned binary is asked for
// access again.
type keychainAPI struct{}

// openKeychain opens the Keychain store, or returns an error wrapping
// ErrUnavailable when the login keychain is locked and cannot ask (SSH).
func openKeychain(Options) (Store, error) {
	s := newKeychainStore(keychainAPI{}, "keychain (macOS login keychain, service "+keychainService+")", maxChunkedToken)
	if err := s.probe(); err != nil {
		return nil, err
	}
	return s, nil
}

func keychainQuery(account string) keychain.Item {
	q := keychain.NewItem()
	q.SetSecClass(keychain.SecClassGenericPassword)
	q.SetService(keychainService)
	q.SetAccount(account)
	return q
}

func (keychainAPI) read(account string) (credItem, error) {
	q := keychainQuery(account)
	q.SetMatchLimit(keychain.MatchLimitOne)
	q.SetReturnData(true)
	results, err := keychain.QueryItem(q)
	if err != nil {
		return credItem{}, keychainErr(err)
	}
	if len(results) == 0 {
		return credItem{}, errCredNotFound
	}
	return credItem{Target: account, User: tokenUser, Blob: keychainDecode(results[0].Data)}, nil
}

func (keychainAPI) write(item credItem) error {
	data := append([]byte{0}, item.Blob...)
	add := keychainQuery(item.Target)
	add.SetLabel(keychainLabel(item))
	add.SetData(data)
	err := keychain.AddItem(add)
	if !errors.Is(err, keychain.ErrorDuplicateItem) {
		return keychainErr(err)
	}
	// Update the existing item in place: its access list stays as it is.
	update := keychain.NewItem()
	update.SetLabel(keychainLabel(item))
	update.SetData(data)
	return keychainErr(keychain.UpdateItem(keychainQuery(item.Target), update))
}

func (keychainAPI) remove(account string) error {
	return keychainErr(keychain.DeleteItem(keychainQuery(account)))
}

// keychainErr turns a go-keychain error into errCredNotFound or a
// keychainStatus that explainKeychain understands.
func keychainErr(err error) error {
	var kerr keychain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &kerr) && int(kerr) == errSecItemNotFound:
		return errCredNotFound
	case errors.As(err, &kerr):
		return keychainStatus(int(kerr))
	}
	return err
}
