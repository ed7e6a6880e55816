// Package layers is the import rule of this module, written down so that a
// test can hold the tree to it (layers_test.go runs it over `go list`):
//
//	cli (the root package, internal/cli) ─► client wiring (internal/clients)
//	  ─► lifecycle (tokens) ─► oauth | platform ─► protocol ─► internal leaves
//
// A package imports packages of a lower layer, or of its own layer; oauth
// and platform, side by side, never import each other. protocol is pure: the
// standard library without the packages that reach the operating system or
// the network, and the pure leaves (pureLeaves). Test doubles
// (internal/testing/..., platform/storetest) are imported by tests only.
// Black-box tests (e2e/...) may import anything.
//
// A package the rule does not place is an error, so that a new top-level
// package gets its place here; a new package under internal/ is a leaf.
package layers

import (
	"fmt"
	"slices"
	"strings"
)

// Module is the path of this module.
const Module = "github.com/posit-dev/git-credential-ppm"

// Layer is a layer of the rule. A higher Rank may import a lower one.
type Layer struct {
	Name string
	Rank int
}

// The layers, highest first.
var (
	BlackBox   = Layer{"black-box tests (e2e)", 70}
	CLI        = Layer{"cli", 60}
	TestDouble = Layer{"test doubles", 55}
	Clients    = Layer{"client wiring (internal/clients)", 50}
	Lifecycle  = Layer{"lifecycle (tokens)", 40}
	OAuth      = Layer{"oauth", 30}
	Platform   = Layer{"platform (the stores)", 30}
	Protocol   = Layer{"protocol", 20}
	Leaf       = Layer{"internal leaves", 10}
)

// pureLeaves are the leaves protocol may import: string rules with no I/O.
var pureLeaves = []string{"internal/addr", "internal/redact", "internal/termtext"}

// impureStd are the standard packages protocol may not import: they reach
// the operating system, the network or the process.
var impureStd = []string{"os", "os/exec", "os/signal", "os/user", "syscall", "net/http", "crypto/tls", "io/ioutil", "log", "plugin", "unsafe", "runtime/cgo"}

// Of returns the layer of the package with import path path, false when
// it is not one of this module's or the rule does not place it.
func Of(path string) (Layer, bool) {
	rel, ok := relative(path)
	if !ok {
		return Layer{}, false
	}
	switch {
	case rel == "" || under(rel, "internal/cli"):
		return CLI, true
	case under(rel, "e2e"):
		return BlackBox, true
	case under(rel, "internal/testing") || under(rel, "platform/storetest"):
		return TestDouble, true
	case under(rel, "internal/clients"):
		return Clients, true
	case under(rel, "tokens"):
		return Lifecycle, true
	case under(rel, "oauth"):
		return OAuth, true
	case under(rel, "platform"):
		return Platform, true
	case under(rel, "protocol"):
		return Protocol, true
	case under(rel, "internal") || under(rel, "python"):
		return Leaf, true
	}
	return Layer{}, false
}

// relative is path without the module's prefix ("" for the root package);
// false when path is not in this module.
func relative(path string) (string, bool) {
	if path == Module {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, Module+"/")
	return rel, ok
}

// under reports whether rel is dir or inside it.
func under(rel, dir string) bool {
	return rel == dir || strings.HasPrefix(rel, dir+"/")
}

// standard reports whether path is a standard library package: its first
// element has no dot, as module paths do.
func standard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// Package is one package as `go list -json` describes it: its import path
// and what its files, its in-package tests and its external tests import.
type Package struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// Violation is one import that breaks the rule.
type Violation struct {
	From, To string
	// Test marks an import of a test file.
	Test bool
	// Why says which part of the rule it breaks.
	Why string
}

func (v Violation) String() string {
	if v.To == "" {
		return fmt.Sprintf("%s: %s", v.From, v.Why)
	}
	kind := "imports"
	if v.Test {
		kind = "imports in a test"
	}
	return fmt.Sprintf("%s %s %s: %s", v.From, kind, v.To, v.Why)
}

// Check returns every import of pkgs that breaks the rule, and every
// package of the module that the rule does not place, in the order of
// pkgs.
func Check(pkgs []Package) []Violation {
	var out []Violation
	for _, p := range pkgs {
		from, ok := Of(p.ImportPath)
		if !ok {
			if _, mine := relative(p.ImportPath); mine {
				out = append(out, Violation{From: p.ImportPath, Why: "the layering rule has no place for this package; add it to internal/layers (Of)"})
			}
			continue
		}
		for _, imp := range p.Imports {
			if why := check(from, imp, false); why != "" {
				out = append(out, Violation{From: p.ImportPath, To: imp, Why: why})
			}
		}
		for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
			if why := check(from, imp, true); why != "" {
				out = append(out, Violation{From: p.ImportPath, To: imp, Test: true, Why: why})
			}
		}
	}
	return out
}

// check says why a package of layer fl may not import imp, or "" when it
// may. test marks an import of a test file.
func check(fl Layer, imp string, test bool) string {
	if fl == Protocol && !test {
		if standard(imp) {
			if slices.Contains(impureStd, imp) || strings.HasPrefix(imp, "net/http/") {
				return fmt.Sprintf("protocol is pure (io.Reader/io.Writer only) and %s reaches the operating system or the network; do the I/O in the caller", imp)
			}
			return ""
		}
		if rel, mine := relative(imp); !mine || !slices.Contains(pureLeaves, rel) {
			return fmt.Sprintf("protocol imports only the standard library and the pure leaves %s; move what it needs into one of them or into protocol", strings.Join(pureLeaves, ", "))
		}
		return ""
	}
	tl, ok := Of(imp)
	if !ok {
		return "" // the standard library, another module, or a package reported by itself
	}
	switch {
	case tl == TestDouble && !test && fl != TestDouble && fl != BlackBox:
		return "test doubles are for tests only; import it from a _test.go file"
	case tl == TestDouble:
		return ""
	case tl == fl:
		return ""
	case tl.Rank == fl.Rank:
		return fmt.Sprintf("%s and %s sit side by side and never import each other; move what both need into a leaf under internal/", fl.Name, tl.Name)
	case tl.Rank > fl.Rank:
		return fmt.Sprintf("an upward import (%s → %s); invert the dependency (pass it in from above) or move the code down", fl.Name, tl.Name)
	}
	return ""
}
