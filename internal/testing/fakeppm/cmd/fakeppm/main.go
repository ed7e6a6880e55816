// Command fakeppm runs the fake Posit Package Manager for demos and manual
// tests:
//
//	go run ./internal/testing/fakeppm/cmd/fakeppm -addr 127.0.0.1:0
//
// It prints one line, "fakeppm listening on <URL>", on stdout (a script
// reads the URL from it), logs requests on stderr (never a token) and stops
// on SIGINT or SIGTERM. With -identity-token-file it first writes an
// identity token the exchange accepts to that file (for a CI-mode demo).
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/posit-dev/git-credential-ppm/internal/testing/fakeppm"
)

func main() {
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, stop))
}

// run starts the fake as args say, announces it on stdout and serves until
// stop receives; it returns the exit status.
func run(args []string, stdout, stderr io.Writer, stop <-chan os.Signal) (status int) {
	fs := flag.NewFlagSet("fakeppm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen `address` (loopback only; port 0 picks a free port)")
	life := fs.Duration("token-lifetime", time.Hour, "lifetime of issued tokens; negative: tokens never expire")
	interval := fs.Duration("interval", time.Second, "device-flow polling interval (whole seconds)")
	expires := fs.Duration("device-expires-in", 300*time.Second, "lifetime of a device code")
	auto := fs.Bool("auto-approve", false, "approve device logins without a visit to the verification page")
	idFile := fs.String("identity-token-file", "", "write an identity token the exchange accepts to this `file` (0600)")
	subject := fs.String("identity-subject", "ci-demo", "subject of the token written by -identity-token-file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fakeppm: unexpected argument %q; see fakeppm -help\n", fs.Arg(0))
		return 2
	}
	logger := log.New(stderr, "fakeppm: ", log.Ltime)
	s, err := fakeppm.Start(fakeppm.Options{Addr: *addr, TokenLifetime: *life, Interval: *interval,
		DeviceExpiresIn: *expires, AutoApprove: *auto, Logf: logger.Printf})
	if err != nil {
		logger.Printf("cannot start: %v", err)
		return 1
	}
	defer s.Close()
	if *idFile != "" {
		if err := os.WriteFile(*idFile, []byte(s.IssueIdentityToken(*subject)+"\n"), 0o600); err != nil {
			logger.Printf("cannot write the identity token file: %v; choose a writable path", err)
			return 1
		}
		logger.Printf("wrote an identity token for %q to %s", *subject, *idFile)
	}
	fmt.Fprintf(stdout, "fakeppm listening on %s\n", s.URL())
	logger.Printf("index %s", s.IndexURL())
	logger.Printf("upload %s", s.UploadURL())
	logger.Printf("CRAN %s (public: %s)", s.CRANAuthURL(), s.CRANPublicURL())
	if err := s.GitError(); err != nil {
		logger.Printf("no git repository: %v", err)
	} else {
		logger.Printf("git %s", s.GitRepoURL())
	}
	logger.Printf("verification page %s/__login__/device (opening verification_uri_complete approves)", s.URL())
	sig := <-stop
	logger.Printf("stopping on %v", sig)
	return 0
}
