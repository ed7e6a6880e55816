// Package e2e holds the black-box tests: they build the binary once and
// drive it as git, pip, uv, twine, R and people do — separate processes,
// stdin and stdout, the environment — against the fake Package Manager
// (internal/testing/fakeppm), each test with its own HOME. The program's code is
// tested in process beside it (internal/cli and the packages below it).
package e2e
