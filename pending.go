package main

import "context"

// setup and doctor are being built (issue 4); until then they say so.
func runSetup(e *env, args []string) int { e.errorf("setup is not built yet"); return 1 }
func runDoctor(ctx context.Context, e *env, args []string) int {
	e.errorf("doctor is not built yet")
	return 1
}
