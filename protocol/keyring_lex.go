package protocol

import (
	"fmt"
	"strings"
)

// This file splits keyring's command line into words the way argparse
// classifies them; keyring.go turns the words into a KeyringCommand.

// argKind is how argparse classifies one command-line word.
type argKind int

const (
	argPositional argKind = iota
	argOption             // a known option, possibly with an explicit "=value" or attached value
	argUnknown            // looks like an option but is none: "unrecognized arguments"
)

type classified struct {
	kind     argKind
	opt      *keyringOption
	name     string // the option string matched ("-b", "--mode")
	explicit string // value given in the same word
	hasValue bool
}

// classify follows argparse's _parse_optional: known option strings,
// "--opt=value", unambiguous prefixes of long options (allow_abbrev is
// true by default and cli.py keeps it), "-bVALUE"; a lone "-", negative
// numbers and words with a space are positionals.
func classify(arg string) (classified, error) {
	if arg == "" || arg[0] != '-' {
		return classified{kind: argPositional}, nil
	}
	if o, name := exactOption(arg); o != nil {
		return classified{kind: argOption, opt: o, name: name}, nil
	}
	if len(arg) == 1 {
		return classified{kind: argPositional}, nil
	}
	if prefix, v, ok := strings.Cut(arg, "="); ok {
		if o, name := exactOption(prefix); o != nil {
			return classified{kind: argOption, opt: o, name: name, explicit: v, hasValue: true}, nil
		}
	}
	type match struct {
		opt      *keyringOption
		name     string
		explicit string
		hasValue bool
	}
	var matches []match
	if strings.HasPrefix(arg, "--") {
		prefix, v, hasV := strings.Cut(arg, "=")
		for i := range keyringOptions {
			for _, n := range keyringOptions[i].names {
				if strings.HasPrefix(n, prefix) {
					matches = append(matches, match{&keyringOptions[i], n, v, hasV})
				}
			}
		}
	} else {
		short, rest := arg[:2], arg[2:]
		for i := range keyringOptions {
			for _, n := range keyringOptions[i].names {
				switch {
				case n == short:
					matches = append(matches, match{&keyringOptions[i], n, rest, true})
				case strings.HasPrefix(n, arg):
					matches = append(matches, match{&keyringOptions[i], n, "", false})
				}
			}
		}
	}
	switch len(matches) {
	case 1:
		m := matches[0]
		return classified{kind: argOption, opt: m.opt, name: m.name, explicit: m.explicit, hasValue: m.hasValue}, nil
	case 0:
	default:
		names := make([]string, len(matches))
		for i, m := range matches {
			names[i] = m.name
		}
		return classified{}, &KeyringUsageError{fmt.Sprintf("ambiguous option: %s could match %s", arg, strings.Join(names, ", "))}
	}
	if isNegativeNumber(arg) || strings.Contains(arg, " ") {
		return classified{kind: argPositional}, nil
	}
	return classified{kind: argUnknown}, nil
}

func exactOption(s string) (*keyringOption, string) {
	for i := range keyringOptions {
		for _, n := range keyringOptions[i].names {
			if n == s {
				return &keyringOptions[i], n
			}
		}
	}
	return nil, ""
}

// isNegativeNumber is argparse's _negative_number_matcher:
// ^-\d+$|^-\d*\.\d+$ (ASCII digits are all keyring's users send).
func isNegativeNumber(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	body := s[1:]
	if i := strings.IndexByte(body, '.'); i >= 0 {
		return allDigits(body[:i], true) && allDigits(body[i+1:], false)
	}
	return allDigits(body, false)
}

func allDigits(s string, emptyOK bool) bool {
	if s == "" {
		return emptyOK
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
