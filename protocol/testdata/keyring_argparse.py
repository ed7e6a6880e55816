"""Oracle for keyring_test.go: the Python keyring CLI's argument handling.

The parser below declares the same arguments, in the same order, as
jaraco/keyring's keyring/cli.py (25.x, with keyring/completion.py's
--print-completion fallback), and run() applies the same checks cli.py
makes before it touches a backend. Input: a JSON list of argv lists on
stdin. Output: one JSON object per argv on stdout, with the result of
parse_args ("strict", what keyring does) and of parse_intermixed_args
("intermixed": options and positionals in any order, what we accept).
"""

import argparse
import contextlib
import io
import json
import sys


class Completion(argparse.Action):
    """keyring/completion.py's --print-completion: acts and exits at once
    (prints a completion script, or a notice and exit 1 without shtab)."""

    def __call__(self, parser, namespace, values, option_string=None):
        raise SystemExit("completion:" + values)


def parser():
    p = argparse.ArgumentParser(prog="keyring")
    p.add_argument("-p", "--keyring-path", dest="keyring_path", default=None)
    p.add_argument("-b", "--keyring-backend", dest="keyring_backend", default=None)
    p.add_argument("--list-backends", action="store_true")
    p.add_argument("--disable", action="store_true")
    p.add_argument("--mode", choices=["password", "creds"], dest="get_mode", default="password")
    p.add_argument("--output", choices=["plain", "json"], dest="output_format", default="plain")
    p.add_argument("operation", choices=["get", "set", "del", "diagnose"], nargs="?")
    p.add_argument("service", nargs="?")
    p.add_argument("username", nargs="?")
    p.add_argument("--print-completion", choices=["bash", "zsh", "tcsh"], action=Completion)
    return p


PARSER = parser()


def run(argv, intermixed=False):
    p = PARSER
    out, err = io.StringIO(), io.StringIO()
    result = {"argv": argv}
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            a = p.parse_intermixed_args(argv) if intermixed else p.parse_args(argv)
            if not (a.list_backends or a.disable or a.operation == "diagnose"):
                if a.operation is None:
                    p.error("Specify operation (get, set, del, diagnose).")
                needs_username = a.operation != "get" or a.get_mode != "creds"
                required = ["service"] + ["username"] * needs_username
                if any(getattr(a, r) is None for r in required):
                    p.error(f"{a.operation} requires {' and '.join(required)}")
        result.update(ok=True, op=a.operation or "", service=a.service or "",
                      username=a.username or "", has_username=a.username is not None,
                      mode=a.get_mode, output=a.output_format, list_backends=a.list_backends,
                      disable=a.disable, backend=a.keyring_backend or "",
                      path=a.keyring_path or "")
    except SystemExit as e:
        if isinstance(e.code, str) and e.code.startswith("completion:"):
            result.update(ok=False, completion=e.code[len("completion:"):])
        else:
            result.update(ok=False, exit=e.code, help=(e.code == 0), stderr=err.getvalue())
    return result


if __name__ == "__main__":
    if sys.argv[1:] == ["usage"]:
        print(parser().format_usage(), end="")
    else:
        for argv in json.load(sys.stdin):
            print(json.dumps({"strict": run(argv), "intermixed": run(argv, True)}))
