package cli

import (
	"flag"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Typos fail, git's future actions stay silent (docs/contract.md §5): an argument
// that starts with "-" and is no option, or a word within maxTypoDistance
// edits of a command name, is a usage error naming the nearest command or
// option. Any other unknown word is left to git's rule for helpers.

// maxTypoDistance is how many edits away from a command or option name a
// word still counts as a typo of it ("stauts", "logn", "--hlep").
const maxTypoDistance = 2

// nearest returns the candidate fewest edits away from word, within
// maxTypoDistance; with prefix, a candidate that word begins ("-v" for
// --version) comes first. ok is false when none is that close.
func nearest(word string, candidates []string, prefix bool) (best string, ok bool) {
	if word == "" {
		return "", false
	}
	for _, c := range candidates {
		if prefix && strings.HasPrefix(c, word) {
			return c, true
		}
	}
	bestDist := maxTypoDistance + 1
	for _, c := range candidates {
		if d := levenshtein.ComputeDistance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist <= maxTypoDistance
}

// optionName is the name of an option word without its dashes and value:
// "--jsn=x" → "jsn".
func optionName(arg string) string {
	name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "=")
	return name
}

// spellOption writes an option name as people type it: "--json", "-h".
func spellOption(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// commandWords are the command names and aliases that are words, not
// options: what a mistyped word is compared with.
func commandWords() []string {
	var words []string
	for _, c := range commands {
		for _, n := range append([]string{c.name}, c.aliases...) {
			if !strings.HasPrefix(n, "-") {
				words = append(words, n)
			}
		}
	}
	return words
}

// topOptions are the options the program takes before a command, without
// their dashes.
func topOptions() []string {
	var names []string
	for _, c := range commands {
		for _, a := range c.aliases {
			if strings.HasPrefix(a, "-") {
				names = append(names, optionName(a))
			}
		}
	}
	return names
}

// typoLine is the one line for an unknown first word when it is a typo,
// or "" when it is not (an unknown word git may one day send).
func typoLine(word string) string {
	if strings.HasPrefix(word, "-") && word != "-" {
		if name, ok := nearest(optionName(word), topOptions(), true); ok {
			return fmt.Sprintf("unknown option %q; did you mean %s?", word, spellOption(name))
		}
		return fmt.Sprintf("unknown option %q; run `git-credential-ppm help`", word)
	}
	if name, ok := nearest(word, commandWords(), false); ok {
		return fmt.Sprintf("unknown command %q; did you mean %s?", word, name)
	}
	return ""
}

// undefinedFlag is the one line for a flag fs does not define, naming the
// word as typed in args and the nearest option of the command, or "" when
// err is another error.
func undefinedFlag(fs *flag.FlagSet, args []string, err error) string {
	const prefix = "flag provided but not defined: -"
	if err == nil {
		return ""
	}
	name, ok := strings.CutPrefix(err.Error(), prefix)
	if !ok {
		return ""
	}
	typed := "-" + name
	for _, a := range args {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") && optionName(a) == name {
			typed = a
			break
		}
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	names = append(names, "help")
	if best, ok := nearest(name, names, true); ok {
		return fmt.Sprintf("%s: unknown option %q; did you mean %s?", fs.Name(), typed, spellOption(best))
	}
	return fmt.Sprintf("%s: unknown option %q; run `git-credential-ppm help %s`", fs.Name(), typed, fs.Name())
}
