package httpc

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// FuzzReadResponse: any bytes from a server give an answer or an error,
// never a panic, and a body is never longer than what was sent.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nok\r\n0\r\nT: v\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 404\r\n\r\nnot found",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := readResponse(bytes.NewReader(b), &Request{Method: "GET"})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error on two lines: %q", err)
			}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		if len(body) > len(b) || resp.StatusCode < 100 || resp.StatusCode > 999 {
			t.Fatalf("status %d, %d body bytes from %d bytes", resp.StatusCode, len(body), len(b))
		}
	})
}
