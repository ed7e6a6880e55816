package fakeppm

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"time"
)

// wheel is a real pure-Python wheel built in memory: pip can download it,
// check its hash and install it.
type wheel struct {
	project  string // normalised name, e.g. ppm-demo
	filename string
	data     []byte
	sha256   string
}

func buildWheel() wheel {
	const dist, version = "ppm_demo", "1.0.0"
	info := dist + "-" + version + ".dist-info"
	files := []struct{ name, body string }{
		{"ppm_demo/__init__.py", "\"\"\"Served by the fake Package Manager.\"\"\"\n__version__ = \"1.0.0\"\n"},
		{info + "/METADATA", "Metadata-Version: 2.1\nName: ppm-demo\nVersion: 1.0.0\nSummary: A demo package served by the fake Package Manager\n"},
		{info + "/WHEEL", "Wheel-Version: 1.0\nGenerator: fakeppm\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var record bytes.Buffer
	stamp := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			panic(err)
		}
		w.Write([]byte(f.body))
		sum := sha256.Sum256([]byte(f.body))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.body))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: info + "/RECORD", Method: zip.Deflate, Modified: stamp})
	if err != nil {
		panic(err)
	}
	w.Write(record.Bytes())
	if err := zw.Close(); err != nil {
		panic(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return wheel{project: "ppm-demo", filename: dist + "-" + version + "-py3-none-any.whl", data: buf.Bytes(), sha256: hex.EncodeToString(sum[:])}
}
