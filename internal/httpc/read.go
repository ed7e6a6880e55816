package httpc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/textproto"
	"strconv"
	"strings"
)

// maxHeaderBytes bounds an answer's status line and header.
const maxHeaderBytes = 1 << 20

// ErrHeaderTooLarge is an answer whose head is over 1 MiB.
var ErrHeaderTooLarge = errors.New("the server's answer has a header over 1 MiB")

// readResponse reads the status line and header of the answer to req from
// conn (skipping 1xx answers) and sets up its body, which reads from conn too.
func readResponse(conn io.Reader, req *Request) (*Response, error) {
	lr := &io.LimitedReader{R: conn, N: maxHeaderBytes}
	br := bufio.NewReader(lr)
	tp := textproto.NewReader(br)
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return nil, headError(lr, err, "no answer")
		}
		code, status, err := parseStatusLine(line)
		if err != nil {
			return nil, fmt.Errorf("the server answered %w", err)
		}
		h, err := tp.ReadMIMEHeader()
		if err != nil {
			return nil, headError(lr, err, "a malformed header")
		}
		if code >= 100 && code < 200 && code != 101 {
			continue // 100 Continue, 103 Early Hints: the answer follows
		}
		lr.N = math.MaxInt64 // the body's limits are the caller's
		resp := &Response{StatusCode: code, Status: status, Header: h, ContentLength: -1, Request: req}
		if err := setBody(resp, br, req.method()); err != nil {
			return nil, err
		}
		return resp, nil
	}
}

// headError explains a failure to read an answer's head.
func headError(lr *io.LimitedReader, err error, what string) error {
	if lr.N <= 0 {
		return ErrHeaderTooLarge
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("the server closed the connection with %s", what)
	}
	var pe textproto.ProtocolError
	if errors.As(err, &pe) {
		return fmt.Errorf("the server answered %s (%s)", what, clip(err.Error())) // it quotes the line, which may be 1 MiB of anything
	}
	return err
}

// parseStatusLine reads "HTTP/1.x NNN reason".
func parseStatusLine(line string) (int, string, error) {
	proto, status, ok := strings.Cut(line, " ")
	if !ok || (proto != "HTTP/1.1" && proto != "HTTP/1.0") {
		return 0, "", fmt.Errorf("something that is not HTTP/1.x (status line %q)", clip(line))
	}
	status = strings.TrimLeft(status, " ")
	codeText, _, _ := strings.Cut(status, " ")
	code, err := strconv.Atoi(codeText)
	if err != nil || len(codeText) != 3 || code < 100 {
		return 0, "", fmt.Errorf("a malformed status line %q", clip(line))
	}
	if status == codeText {
		status = codeText + " " + StatusText(code)
	}
	return code, clip(status), nil // callers put it in errors: one short line
}

// clip keeps a server's text short and printable for an error.
func clip(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// setBody gives resp the body its header describes (RFC 9112 §6.3).
func setBody(resp *Response, br *bufio.Reader, method string) error {
	code := resp.StatusCode
	if method == "HEAD" || code == 204 || code == 304 || (code >= 100 && code < 200) {
		resp.ContentLength = 0
		resp.Body = io.NopCloser(strings.NewReader(""))
		return nil
	}
	if te := resp.Header.Values("Transfer-Encoding"); len(te) > 0 {
		if !strings.EqualFold(strings.TrimSpace(te[len(te)-1]), "chunked") || len(te) > 1 || strings.Contains(te[0], ",") {
			return fmt.Errorf("the server answered with a transfer encoding this client does not read (%s)", clip(strings.Join(te, ", ")))
		}
		resp.Header.Del("Content-Length")
		resp.Body = io.NopCloser(&chunkedReader{br: br})
		return nil
	}
	if cl := resp.Header.Values("Content-Length"); len(cl) > 0 {
		n, err := strconv.ParseInt(strings.TrimSpace(cl[0]), 10, 64)
		for _, v := range cl[1:] {
			if strings.TrimSpace(v) != strings.TrimSpace(cl[0]) {
				err = errors.New("differing values")
			}
		}
		if err != nil || n < 0 {
			return fmt.Errorf("the server answered a malformed Content-Length %q", clip(cl[0]))
		}
		resp.ContentLength = n
		resp.Body = io.NopCloser(&exactReader{r: br, left: n})
		return nil
	}
	resp.Body = io.NopCloser(br) // until the server closes
	return nil
}

// exactReader reads a body of announced length; an early end is
// io.ErrUnexpectedEOF.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && e.left == 0 {
		err = io.EOF
	}
	return n, err
}

// maxChunkLine bounds a chunk-size line with its extensions.
const maxChunkLine = 4096

// chunkedReader reads a chunked body (RFC 9112 §7.1); trailers are read and
// dropped. A body that ends early is io.ErrUnexpectedEOF.
type chunkedReader struct {
	br   *bufio.Reader
	left int64 // bytes left in the current chunk
	done bool
	err  error
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		n, err := c.chunkSize()
		if err != nil {
			c.err = err
			return 0, err
		}
		if n == 0 {
			if err := c.trailer(); err != nil {
				c.err = err
				return 0, err
			}
			c.done = true
			return 0, io.EOF
		}
		c.left = n
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && c.left == 0 {
		err = c.crlf()
	}
	c.err = err
	return n, err
}

func (c *chunkedReader) line() (string, error) {
	var b []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		b = append(b, frag...)
		if len(b) > maxChunkLine {
			return "", errors.New("a chunked body with a line over 4 KiB")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			return "", io.ErrUnexpectedEOF
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
}

func (c *chunkedReader) chunkSize() (int64, error) {
	l, err := c.line()
	if err != nil {
		return 0, err
	}
	size, _, _ := strings.Cut(l, ";")
	size = strings.TrimSpace(size)
	n, err := strconv.ParseInt(size, 16, 64)
	if err != nil || n < 0 || size == "" || strings.HasPrefix(size, "+") || strings.HasPrefix(size, "-") {
		return 0, fmt.Errorf("a chunked body with a malformed chunk size %q", clip(l))
	}
	return n, nil
}

func (c *chunkedReader) crlf() error {
	l, err := c.line()
	if err != nil {
		return err
	}
	if l != "" {
		return errors.New("a chunked body with data after a chunk's end")
	}
	return nil
}

func (c *chunkedReader) trailer() error {
	for i := 0; ; i++ {
		l, err := c.line()
		if err != nil {
			return err
		}
		if l == "" {
			return nil
		}
		if i > 100 {
			return errors.New("a chunked body with over 100 trailer lines")
		}
	}
}
