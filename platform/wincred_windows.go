//go:build windows

package platform

import (
	"errors"

	"github.com/danieljoos/wincred"
	"golang.org/x/sys/windows"
)

// winCredAPI is credAPI on the real advapi32 Credential Manager functions.
type winCredAPI struct{}

func (winCredAPI) read(target string) (credItem, error) {
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		return credItem{}, mapCredError(err)
	}
	return credItem{Target: c.TargetName, User: c.UserName, Comment: c.Comment, Blob: c.CredentialBlob}, nil
}

func (winCredAPI) write(item credItem) error {
	c := wincred.NewGenericCredential(item.Target)
	c.UserName = item.User
	c.Comment = item.Comment
	c.CredentialBlob = item.Blob
	c.Persist = wincred.PersistLocalMachine
	return mapCredError(c.Write())
}

func (winCredAPI) remove(target string) error {
	return mapCredError(wincred.NewGenericCredential(target).Delete())
}

// mapCredError turns the Windows error codes the store acts on into the
// sentinels of credAPI, keeping the rest as they are.
func mapCredError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wincred.ErrElementNotFound):
		return errCredNotFound
	case errors.Is(err, windows.ERROR_NO_SUCH_LOGON_SESSION):
		return errNoLogonSession
	}
	return err
}
