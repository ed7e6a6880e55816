// Package docscheck holds the tests that keep the documents in docs/ true
// to the tree: the package map of docs/architecture.md against
// `go list ./...`, and the links between the Markdown files. It has no
// code of its own; `task lint` runs its tests.
package docscheck
