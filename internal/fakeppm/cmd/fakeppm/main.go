// Command fakeppm runs the fake Package Manager for demos and manual tests:
//
//	go run ./internal/fakeppm/cmd/fakeppm -addr 127.0.0.1:0
//
// It prints "fakeppm listening on <URL>" on stdout, logs requests (never
// tokens) on stderr, and stops on SIGINT or SIGTERM.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/fakeppm"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (loopback)")
	life := flag.Duration("token-lifetime", time.Hour, "lifetime of issued tokens; negative: no expiry")
	interval := flag.Duration("interval", time.Second, "device-flow polling interval")
	auto := flag.Bool("auto-approve", false, "approve device logins without a page visit")
	idFile := flag.String("identity-token-file", "", "write an identity token the exchange accepts to this file")
	flag.Parse()
	logger := log.New(os.Stderr, "fakeppm: ", log.Ltime)
	s := fakeppm.New(fakeppm.Options{Addr: *addr, TokenLifetime: *life, Interval: *interval, AutoApprove: *auto, Logf: logger.Printf})
	defer s.Close()
	if *idFile != "" {
		if err := os.WriteFile(*idFile, []byte(s.IssueIdentityToken("ci-demo")+"\n"), 0o600); err != nil {
			logger.Fatalf("writing the identity token file: %v", err)
		}
	}
	fmt.Printf("fakeppm listening on %s\n", s.URL())
	fmt.Printf("  index %s\n  upload %s\n  git %s\n", s.IndexURL(), s.UploadURL(), s.GitRepoURL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
