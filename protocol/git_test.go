package protocol

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestReadAttributes(t *testing.T) {
	cases := []struct {
		name, in string
		want     []Pair
	}{
		{"git get: EOF without a blank line", "protocol=https\nhost=ppm.example.com\n",
			[]Pair{{"protocol", "https"}, {"host", "ppm.example.com"}}},
		{"last line without newline", "protocol=https\nhost=ppm.example.com",
			[]Pair{{"protocol", "https"}, {"host", "ppm.example.com"}}},
		{"blank line ends the input", "protocol=https\n\nhost=evil.com\n",
			[]Pair{{"protocol", "https"}}},
		{"CRLF", "protocol=https\r\nhost=a:8443\r\n\r\nhost=b\r\n",
			[]Pair{{"protocol", "https"}, {"host", "a:8443"}}},
		{"CR kept when not before LF", "password=a\rb\r",
			[]Pair{{"password", "a\rb\r"}}},
		{"split at the first =", "password=a=b=c\n",
			[]Pair{{"password", "a=b=c"}}},
		{"empty value", "username=\n",
			[]Pair{{"username", ""}}},
		{"empty key kept as unknown (git ignores it)", "=value\nhost=h\n",
			[]Pair{{"", "value"}, {"host", "h"}}},
		{"unknown keys and arrays kept in order", "capability[]=authtype\nwwwauth[]=Basic realm=\"x\"\nx-future=1\nhost=h\n",
			[]Pair{{"capability[]", "authtype"}, {"wwwauth[]", "Basic realm=\"x\""}, {"x-future", "1"}, {"host", "h"}}},
		{"repeated key keeps both", "host=a\nhost=b\n",
			[]Pair{{"host", "a"}, {"host", "b"}}},
		{"empty input", "", nil},
		{"only a blank line", "\n", nil},
		{"url replaces what came before", "host=evil.com\nusername=x\nurl=https://ppm.example.com:8443/team/repo.git/\n",
			[]Pair{{"protocol", "https"}, {"host", "ppm.example.com:8443"}, {"path", "team/repo.git"}}},
		{"url with userinfo, decoded, first @", "url=https://a%40b:p%3Aw@d@host.example/\nhost=other\n",
			[]Pair{{"protocol", "https"}, {"host", "d@host.example"}, {"username", "a@b"}, {"password", "p:w"}, {"host", "other"}}},
		{"url: @ after the path is not userinfo", "url=https://host.example/a@b\n",
			[]Pair{{"protocol", "https"}, {"host", "host.example"}, {"path", "a@b"}}},
		{"url: query ends the host", "url=https://host.example?x@y\n",
			[]Pair{{"protocol", "https"}, {"host", "host.example"}, {"path", "?x@y"}}},
		{"url: percent-decoded host, bad escapes kept", "url=https://ppm%2Eexample.com%zz\n",
			[]Pair{{"protocol", "https"}, {"host", "ppm.example.com%zz"}}},
		{"url: empty user", "url=https://@h/\n",
			[]Pair{{"protocol", "https"}, {"host", "h"}, {"username", ""}}},
		{"line of exactly MaxLine bytes", "password=" + strings.Repeat("x", MaxLine-len("password=")-1) + "\n",
			[]Pair{{"password", strings.Repeat("x", MaxLine-len("password=")-1)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ReadAttributes(strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Pairs(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestReadAttributesErrors(t *testing.T) {
	long := strings.Repeat("x", MaxLine-len("password=")) // with "\n": MaxLine+1 bytes
	cases := []struct{ name, in, msg string }{
		{"line without =", "protocol=https\ngarbage\n", "line 2 has no '='"},
		{"last line without = and newline", "protocol=https\ngarbage", "line 2 has no '='"},
		{"NUL in a value", "host=a\x00b\n", "line 1 contains a NUL byte"},
		{"NUL in a key", "ho\x00st=a\n", "NUL"},
		{"NUL after the = on the last line", "host=ab\x00", "NUL"},
		{"line over MaxLine", "password=" + long + "\n", "line 1 is over 65535 bytes"},
		{"input over MaxInput", strings.Repeat("password="+strings.Repeat("x", 1000)+"\n", 70), "over 64 KiB"},
		{"one huge line", "host=" + strings.Repeat("x", MaxInput) + "\n", "over 64 KiB"},
		{"url without scheme", "url=ppm.example.com\n", "no scheme"},
		{"url with an encoded newline", "url=https://h/a%0Ab\n", "newline"},
		{"url with an encoded NUL in the password", "url=https://u:p%00@h/\n", "password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ReadAttributes(strings.NewReader(c.in))
			if err == nil || !strings.Contains(err.Error(), c.msg) || !errors.Is(err, ErrInput) || a != nil {
				t.Errorf("got %v, %v; want nil and an ErrInput mentioning %q", a, err, c.msg)
			}
		})
	}
}

func TestReadAttributesInputOfExactlyMaxInput(t *testing.T) {
	line := "k=" + strings.Repeat("v", 1021) + "\n" // 1024 bytes
	in := strings.Repeat(line, MaxInput/len(line))
	if len(in) != MaxInput {
		t.Fatalf("test input is %d bytes", len(in))
	}
	a, err := ReadAttributes(strings.NewReader(in))
	if err != nil || len(a.Pairs()) != 64 {
		t.Fatalf("got %v", err)
	}
}

func TestErrorsNeverQuoteValues(t *testing.T) {
	for _, in := range []string{
		"password=s3cr3t\nbad line s3cr3t\n",
		"password=s3cr3t\x00\n",
		"password=" + strings.Repeat("s3cr3t", 20000),
		"url=https://u:s3cr3t%0A@h/\n",
		"url=s3cr3t\n",
	} {
		_, err := ReadAttributes(strings.NewReader(in))
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %v quotes the input", err)
		}
	}
}

// chunkReader hands out one chunk per Read and fails any Read after the
// last one: a helper must not read past the blank line (git may keep the
// pipe open) and must stop at EOF.
type chunkReader struct {
	chunks []string
	read   int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, errors.New("read past the end of the attributes")
	}
	n := copy(p, r.chunks[0])
	r.read += n
	if n == len(r.chunks[0]) {
		r.chunks = r.chunks[1:]
	} else {
		r.chunks[0] = r.chunks[0][n:]
	}
	return n, nil
}

func TestReadAttributesStopsAtBlankLine(t *testing.T) {
	for _, chunks := range [][]string{
		{"protocol=https\nhost=h\n\n"},
		{"protocol=https\n", "host=h\n", "\n"},
		{"protocol=https\r\n", "host=h\r\n", "\r\n"},
	} {
		r := &chunkReader{chunks: chunks}
		a, err := ReadAttributes(r)
		if err != nil || a.Host() != "h" {
			t.Errorf("%q: %v", chunks, err)
		}
	}
}

func TestReadAttributesReaderFails(t *testing.T) {
	r := &chunkReader{chunks: []string{"protocol=https\nhost=h"}} // no newline, then an error
	_, err := ReadAttributes(r)
	if err == nil || errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "read past") {
		t.Errorf("got %v; want the reader's error, wrapped", err)
	}
}

// countingReader serves an endless stream and counts what was taken.
type countingReader struct{ n int }

func (r *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	r.n += len(p)
	return len(p), nil
}

func TestReadAttributesReadsAtMostMaxInputPlusOne(t *testing.T) {
	r := &countingReader{}
	if _, err := ReadAttributes(r); !errors.Is(err, ErrInput) {
		t.Fatalf("endless input: %v", err)
	}
	if r.n > MaxInput+1 {
		t.Errorf("read %d bytes; want at most %d", r.n, MaxInput+1)
	}
}

func TestAccessors(t *testing.T) {
	a, err := ReadAttributes(strings.NewReader("protocol=https\nhost=ppm.example.com:8443\npath=team/x.git\nusername=__token__\npassword=p=w\nusername=\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{a.Protocol(), a.Host(), a.Path(), a.Username(), a.Password(), a.Get("absent")}
	want := []string{"https", "ppm.example.com:8443", "team/x.git", "", "p=w", ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q; want %q", got, want)
	}
	if !a.Has("username") || a.Has("absent") {
		t.Error("Has is wrong")
	}
	p := a.Pairs()
	p[0].Value = "changed"
	if a.Protocol() != "https" {
		t.Error("Pairs does not return a copy")
	}
}

func TestGetAll(t *testing.T) {
	a, err := ReadAttributes(strings.NewReader("wwwauth[]=Basic a\nwwwauth[]=Bearer b\nwwwauth=not-an-array\nwwwauth[]=\nwwwauth[]=Negotiate\nstate[]=s\nwwwauth[]=Basic c\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := a.GetAll("wwwauth"); !reflect.DeepEqual(got, []string{"Negotiate", "Basic c"}) {
		t.Errorf("GetAll(wwwauth) = %q; want the values after the reset, in order", got)
	}
	if got := a.GetAll("state"); !reflect.DeepEqual(got, []string{"s"}) {
		t.Errorf("GetAll(state) = %q", got)
	}
	if got := a.GetAll("capability"); got != nil {
		t.Errorf("GetAll(capability) = %q; want nil", got)
	}
}

func TestWriteAttributes(t *testing.T) {
	var b bytes.Buffer
	err := WriteAttributes(&b, Pair{"username", "__token__"}, Pair{"password", "t.o=k"}, Pair{"password_expiry_utc", "1700000000"}, Pair{"empty", ""})
	if want := "username=__token__\npassword=t.o=k\npassword_expiry_utc=1700000000\nempty=\n"; err != nil || b.String() != want {
		t.Fatalf("got %q, %v; want %q", b.String(), err, want)
	}
	if err := WriteAttributes(&b); err != nil {
		t.Errorf("no pairs: %v", err)
	}
}

func TestWriteAttributesRefusesWhatGitMisreads(t *testing.T) {
	for _, p := range []Pair{
		{"url", "https://x"}, {"", "v"}, {"a=b", "v"}, {"=", "v"},
		{"k\n", "v"}, {"k\r", "v"}, {"k\x00", "v"},
		{"k", "s3cr3t\nhost=evil"}, {"k", "s3cr3t\x00"}, {"k", "s3cr3t\r"},
	} {
		var b bytes.Buffer
		err := WriteAttributes(&b, Pair{"username", "__token__"}, p)
		if err == nil {
			t.Errorf("WriteAttributes(%q) succeeded", p)
			continue
		}
		if b.Len() != 0 {
			t.Errorf("WriteAttributes(%q) wrote %q before failing", p, b.String())
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error quotes the value: %v", err)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteAttributesWriterFails(t *testing.T) {
	if err := WriteAttributes(failWriter{}, Pair{"a", "b"}); !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("got %v", err)
	}
}

func writable(p Pair) bool {
	return p.Key != "" && p.Key != "url" && !strings.ContainsAny(p.Key, "=\r\n\x00") && !strings.ContainsAny(p.Value, "\r\n\x00")
}

func FuzzReadAttributes(f *testing.F) {
	for _, s := range []string{
		"protocol=https\nhost=ppm.example.com\n", "a=b\r\n\r\n", "url=https://u:p@x/y/\nhost=y",
		"wwwauth[]=x\nwwwauth[]=\n", "x\n", "\x00=1", "=", "a=b\n\nc", "a=b\r", "url=%",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r := &countingBytes{b: in}
		a, err := ReadAttributes(r)
		if r.n > MaxInput+1 {
			t.Fatalf("read %d bytes", r.n)
		}
		if err != nil {
			if !errors.Is(err, ErrInput) {
				t.Fatalf("error %v does not wrap ErrInput", err)
			}
			return
		}
		var keep []Pair
		for _, p := range a.Pairs() {
			if strings.ContainsAny(p.Key, "=\n\x00") || strings.ContainsAny(p.Value, "\n\x00") {
				t.Fatalf("accepted pair %q", p)
			}
			if p.Key == "url" {
				t.Fatalf("url was not expanded: %q", p)
			}
			if writable(p) {
				keep = append(keep, p)
			}
		}
		var out bytes.Buffer
		if err := WriteAttributes(&out, keep...); err != nil {
			t.Fatalf("cannot write back %q: %v", keep, err)
		}
		back, err := ReadAttributes(&out)
		if err != nil {
			t.Fatalf("reading back %q: %v", out.String(), err)
		}
		if got := back.Pairs(); !reflect.DeepEqual(got, keep) && !(len(got) == 0 && len(keep) == 0) {
			t.Fatalf("round trip changed %q into %q", keep, got)
		}
	})
}

// countingBytes is a bytes.Reader that counts what was read.
type countingBytes struct {
	b []byte
	n int
}

func (r *countingBytes) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	r.n += n
	return n, nil
}
