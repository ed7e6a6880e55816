package main

import "context"

// These commands are being built (issue 4); until then they say so.
func runKeyring(ctx context.Context, e *env, args []string) int {
	e.errorf("the keyring personality is not built yet")
	return 1
}
func runExec(ctx context.Context, e *env, args []string) int {
	e.errorf("exec is not built yet")
	return 1
}
func runSetup(e *env, args []string) int { e.errorf("setup is not built yet"); return 1 }
func runDoctor(ctx context.Context, e *env, args []string) int {
	e.errorf("doctor is not built yet")
	return 1
}
