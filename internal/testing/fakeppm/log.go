package fakeppm

import (
	"fmt"
	"net/http"
	"time"
)

// recorder keeps the status and a short note (an OAuth error code, why a
// token was refused) for the request log.
type recorder struct {
	http.ResponseWriter
	status int
	note   string
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// note attaches a remark to the request's log line.
func note(w http.ResponseWriter, remark string) {
	if r, ok := w.(*recorder); ok {
		r.note = remark
	}
}

// logged logs method, path (never the query or headers, so never a token or
// a user code), status and note.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recorder{ResponseWriter: w}
		start := time.Now()
		// The Date header is the server's clock, as a real server's is:
		// a skewed Now gives a skewed Date.
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		next.ServeHTTP(rec, r)
		if s.opts.Logf == nil {
			return
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		msg := fmt.Sprintf("%s %s → %d", r.Method, r.URL.Path, rec.status)
		if rec.note != "" {
			msg += " " + rec.note
		}
		s.opts.Logf("%s (%s)", msg, time.Since(start).Round(time.Millisecond))
	})
}
