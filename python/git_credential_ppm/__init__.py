"""Keyring backend for Posit Package Manager tokens.

Installed by the git-credential-ppm wheel beside the git-credential-ppm
binary. The keyring library finds it through the ``keyring.backends`` entry
point; for every lookup it asks the binary, which alone decides whether
the service belongs to a configured address (``PACKAGEMANAGER_ADDRESS``,
else the addresses ``git-credential-ppm setup ADDRESS`` remembered) and,
if so, answers with a token from the credential store (logging in when
needed). With nothing configured the binary answers "not ours" without a
word, as it does for any service under this backend.
For any other service it answers None, so keyring's chainer asks the next
backend. This module never sees a token except to hand it to its caller,
and never prints one.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import sysconfig

from keyring import backend, credentials, errors

__all__ = ["Keyring"]

log = logging.getLogger(__name__)

# Set in the binary's environment. The binary never calls Python's keyring,
# but whatever it starts (a BROWSER script, a shim named git-credential-ppm
# earlier on PATH) might: a Python keyring under it sees this and leaves
# this backend out, so a lookup can never call itself.
CHILD_ENV = "PPM_KEYRING_BACKEND_CHILD"

# Long enough for a person to finish a device-flow login that the binary
# starts on the terminal.
TIMEOUT_SECONDS = 15 * 60

SET_REFUSED = (
    "keyring set is not supported: Package Manager tokens come from "
    "`git-credential-ppm login`, not from typed passwords"
)

# What `git-credential-ppm keyring set` exits with, run by this backend,
# for a service that is not a configured address: not ours to keep, so
# keyring's chainer asks its next backend. (1 means ours, and refused.)
NOT_OURS = 3

_EXE = "git-credential-ppm.exe" if os.name == "nt" else "git-credential-ppm"
_found = []


class NotOurs(NotImplementedError):
    """A write this backend does not do; keyring's chainer moves on."""


class SetNotOurs(errors.PasswordSetError, NotOurs):
    """set_password of a service that is not a configured address.

    A NotImplementedError, the only error keyring's chainer passes over,
    so the password reaches the next backend; a PasswordSetError for a
    caller that has no chainer (this backend alone).
    """


class DeleteRefused(errors.PasswordDeleteError, NotOurs):
    """delete_password of a service the binary has no token for."""


def _executable(path):
    return bool(path) and os.path.isfile(path) and os.access(path, os.X_OK)


def _installed_script():
    """The binary this distribution installed, as its RECORD lists it."""
    try:
        from importlib import metadata
    except ImportError:  # pragma: no cover - Python < 3.8
        return None
    try:
        dist = metadata.distribution("git-credential-ppm")
    except metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == _EXE and f.parent.name in ("bin", "Scripts"):
            path = str(f.locate())
            if _executable(path):
                return os.path.normpath(path)
    return None


def binary():
    """Path of the git-credential-ppm binary, or None.

    The one installed beside this package (its RECORD, then the running
    interpreter's scripts directory), then the first on PATH. Never a
    program named keyring: that may be Python's keyring, which would call
    back into this backend.
    """
    if not _found:
        path = _installed_script()
        if path is None:
            scripts = os.path.join(sysconfig.get_path("scripts"), _EXE)
            path = scripts if _executable(scripts) else shutil.which(_EXE)
        _found.append(path)
    return _found[0]


class _ClassProperty:
    def __init__(self, fget):
        self.fget = fget

    def __get__(self, obj, owner):
        return self.fget(owner)


class Keyring(backend.KeyringBackend):
    """Posit Package Manager tokens from git-credential-ppm."""

    @_ClassProperty
    def priority(cls):
        # Just under keyring's chainer (10): asked first when the chainer
        # runs, chosen alone when no other backend is viable.
        if os.environ.get(CHILD_ENV):
            raise RuntimeError("running under git-credential-ppm: not asked again")
        if binary() is None:
            raise RuntimeError(_EXE + " is not installed beside this package nor on PATH")
        return 9.9

    def _run(self, args, stderr=None):
        """Run `git-credential-ppm keyring ARGS`: (exit code, stdout bytes).

        stdin is closed; stderr is the caller's (unless given), so a login
        prompt or an error line reaches the person. NOT_OURS when it did
        not run.
        """
        path = binary()
        if path is None:
            return NOT_OURS, b""
        env = dict(os.environ)
        env[CHILD_ENV] = "1"
        try:
            done = subprocess.run(
                [path, "keyring"] + list(args),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            log.warning("%s did not answer within %d minutes; no Package Manager token", path, TIMEOUT_SECONDS // 60)
            return 1, b""
        except OSError as exc:
            log.warning("cannot run %s: %s", path, exc)
            return NOT_OURS, b""
        if done.returncode not in (0, 1, NOT_OURS):
            log.warning("%s keyring failed with exit status %d", path, done.returncode)
        return done.returncode, done.stdout

    def _creds(self, service, username):
        # "--": a service or user that starts with "-" is a word, not an option.
        args = ["--mode=creds", "--output=json", "get", "--", service]
        if username is not None:
            args.append(username)
        code, out = self._run(args)
        if code != 0:
            return None
        try:
            answer = json.loads(out.decode("utf-8"))
            return credentials.SimpleCredential(str(answer["username"]), str(answer["password"]))
        except (ValueError, KeyError, TypeError):
            # Never show the answer: it may hold the token.
            log.warning("%s answered something that is not keyring JSON; no Package Manager token", binary())
            return None

    def get_password(self, service, username):
        """The token for a service of a configured address, else None."""
        cred = self._creds(service, username)
        return None if cred is None else cred.password

    def get_credential(self, service, username):
        """__token__ and the token for a service of a configured address, else None."""
        return self._creds(service, username)

    def set_password(self, service, username, password):
        """Refused for a service of a configured address: tokens come from
        the login flow, never from a typed password. Any other service is
        left to keyring's next backend. The password never reaches the
        binary (its stdin is closed)."""
        # The binary's own refusal line would repeat the exception's.
        code, _ = self._run(["set", "--", service, username], stderr=subprocess.DEVNULL)
        if code == NOT_OURS:
            raise SetNotOurs("git-credential-ppm keeps no password for " + service + "; no other keyring backend here does either")
        raise errors.PasswordSetError(SET_REFUSED)

    def delete_password(self, service, username):
        """Log out the address the service belongs to."""
        code, _ = self._run(["del", "--", service, username])
        if code != 0:
            raise DeleteRefused("git-credential-ppm has no token stored for " + service)
