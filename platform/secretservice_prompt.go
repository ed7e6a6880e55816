//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// Locked keyrings: Unlock, and the prompts a service may show for it (or for
// a write or a delete), always bounded in time.

// unlock unlocks objects (items or collections), showing the service's
// unlock prompt if it has one, and returns what was unlocked.
func (s *secretService) unlock(objects []dbus.ObjectPath) ([]dbus.ObjectPath, error) {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := s.service("Unlock", objects).Store(&unlocked, &prompt); err != nil {
		return nil, s.wrap(nil, "unlocking the keyring", err)
	}
	if prompt != ssNoObject && prompt != "" {
		result, err := s.prompt(prompt, "unlocking the keyring")
		switch {
		case errors.Is(err, errPromptDismissed):
			return nil, lockedError(objects, "no unlock prompt could be shown (or it was dismissed)")
		case errors.Is(err, errPromptTimeout):
			return nil, lockedError(objects, fmt.Sprintf("nobody answered its unlock prompt within %s", s.promptTimeout))
		case err != nil:
			return nil, err
		}
		more, _ := result.Value().([]dbus.ObjectPath)
		unlocked = append(unlocked, more...)
	}
	if len(unlocked) == 0 {
		return nil, lockedError(objects, "it could not be unlocked")
	}
	return unlocked, nil
}

// lockedError says which keyring is locked, why that is fatal here and what
// to do.
func lockedError(objects []dbus.ObjectPath, why string) error {
	name := "default"
	if len(objects) > 0 {
		name = collectionName(objects[0])
	}
	return fmt.Errorf("the %s keyring is locked and %s; unlock it (log in to the desktop, or run gnome-keyring-daemon --unlock) or set PPM_CREDENTIAL_STORE=file", name, why)
}

// collectionName returns the collection's name in a collection or item path
// (/org/freedesktop/secrets/collection/login/2 → "login"), undoing
// gnome-keyring's _XX escapes of bytes that may not appear in a path.
func collectionName(path dbus.ObjectPath) string {
	p := string(path)
	if rest, ok := strings.CutPrefix(p, string(ssServicePath)+"/collection/"); ok {
		p, _, _ = strings.Cut(rest, "/")
	} else {
		p = p[strings.LastIndexByte(p, '/')+1:]
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '_' && i+2 < len(p) {
			if v, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Errors of prompt, which callers turn into sentences.
var (
	errPromptDismissed = errors.New("the keyring's prompt was dismissed")
	errPromptTimeout   = errors.New("nobody answered the keyring's prompt")
)

// prompt runs a Secret Service prompt and waits for it, at most
// promptTimeout. It subscribes to the prompt's Completed signal before
// calling Prompt, so the answer cannot be missed, and dismisses the prompt
// when time is up, so that no dialog outlives the helper.
func (s *secretService) prompt(prompt dbus.ObjectPath, what string) (dbus.Variant, error) {
	signals := make(chan *dbus.Signal, 8)
	s.conn.Signal(signals)
	defer s.conn.RemoveSignal(signals)
	match := []dbus.MatchOption{
		dbus.WithMatchObjectPath(prompt),
		dbus.WithMatchInterface(ssPromptIface),
		dbus.WithMatchMember("Completed"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
	err := s.conn.AddMatchSignalContext(ctx, match...)
	cancel()
	if err != nil {
		return dbus.Variant{}, s.wrap(nil, what+": subscribing to the keyring's prompt", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), s.callTimeout)
		_ = s.conn.RemoveMatchSignalContext(ctx, match...)
		cancel()
	}()
	if err := s.call(ssBusName, prompt, ssPromptIface+".Prompt", "").Err; err != nil {
		return dbus.Variant{}, s.wrap(nil, what+": showing the keyring's prompt", err)
	}
	timer := time.NewTimer(s.promptTimeout)
	defer timer.Stop()
	for {
		select {
		case sig, ok := <-signals:
			if !ok {
				return dbus.Variant{}, fmt.Errorf("%s: the connection to the D-Bus session bus closed while waiting for the keyring's prompt", what)
			}
			if sig.Path != prompt || sig.Name != ssPromptIface+".Completed" || len(sig.Body) < 2 {
				continue
			}
			dismissed, _ := sig.Body[0].(bool)
			result, _ := sig.Body[1].(dbus.Variant)
			if dismissed {
				return dbus.Variant{}, fmt.Errorf("%s: %w; answer it, or set PPM_CREDENTIAL_STORE=file", what, errPromptDismissed)
			}
			return result, nil
		case <-timer.C:
			_ = s.call(ssBusName, prompt, ssPromptIface+".Dismiss").Err
			return dbus.Variant{}, fmt.Errorf("%s: %w within %s; try again, or set PPM_CREDENTIAL_STORE=file", what, errPromptTimeout, s.promptTimeout)
		}
	}
}
