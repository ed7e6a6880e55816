//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"os"
	"slices"
	"testing"
	"time"
)

// BenchmarkSecretServiceLogin compares, alternating in one run on the
// test's gnome-keyring, open+get+close with the pipelined login
// (dbusconn.go) against godbus's own login dialogue, and reports both
// medians and their ratio (pipelined-x, below 1 when pipelining wins).
func BenchmarkSecretServiceLogin(b *testing.B) {
	s, a, tok := benchToken(b)
	address, err := sessionBusAddress(os.Getenv)
	if err != nil {
		b.Fatal(err)
	}
	cfg := secretServiceConfig{callTimeout: ssCallTimeout, promptTimeout: ssPromptTimeout, random: s.random, prefetch: []string{a}}
	once := func(pipeline bool) time.Duration {
		start := time.Now()
		s2, err := openOn(address, cfg, pipeline)
		if err != nil {
			b.Fatal(err)
		}
		if got, err := s2.Get(a); err != nil || got != tok {
			b.Fatalf("Get = %v", err)
		}
		_ = s2.Close()
		return time.Since(start)
	}
	var piped, dialogue []time.Duration
	for b.Loop() {
		piped = append(piped, once(true))
		dialogue = append(dialogue, once(false))
	}
	p, d := median(piped), median(dialogue)
	b.ReportMetric(float64(p.Microseconds())/1000, "pipelined-ms")
	b.ReportMetric(float64(d.Microseconds())/1000, "dialogue-ms")
	b.ReportMetric(float64(p)/float64(d), "pipelined-x")
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
