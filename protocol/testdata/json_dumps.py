"""Oracle for keyring_test.go: what keyring's CLI prints for `--output json`
in creds mode (print(json.dumps(credential._vars()))), for each string of a
JSON list on stdin used as the username, with the string + "x" as the
password."""

import json
import sys

for s in json.load(sys.stdin):
    print(json.dumps(dict(username=s, password=s + "x")))
