//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"math/big"
	mrand "math/rand/v2"
	"testing"
)

// seeded is a deterministic random source, so that the searches below for
// keys with leading zero bytes always take the same path.
func seeded(seed uint64) *mrand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	s[1] = byte(seed >> 8)
	return mrand.NewChaCha8(s)
}

// simulatedService plays the Secret Service's side of the exchange, written
// independently of the code under test: it takes our public key as sent on
// the wire, draws its own full-size private key and derives the AES key the
// way the specification says (shared secret as 128 big-endian bytes).
type simulatedService struct {
	public []byte // as the service sends it: its minimal big-endian bytes
	key    []byte
	shared []byte // the 128-byte padded shared secret
}

func simulateService(t *testing.T, clientPublic []byte, seed uint64) simulatedService {
	t.Helper()
	if len(clientPublic) != 128 {
		t.Fatalf("client public key is %d bytes on the wire; the service needs exactly 128", len(clientPublic))
	}
	rng := seeded(seed)
	priv := make([]byte, 128)
	_, _ = rng.Read(priv)
	x := new(big.Int).SetBytes(priv)
	pub := new(big.Int).Exp(big.NewInt(2), x, dhPrime())
	shared := new(big.Int).Exp(new(big.Int).SetBytes(clientPublic), x, dhPrime())
	padded := make([]byte, 128)
	sb := shared.Bytes()
	copy(padded[128-len(sb):], sb)
	key, err := hkdf.Key(sha256.New, padded, nil, "", 16)
	if err != nil {
		t.Fatal(err)
	}
	return simulatedService{public: pub.Bytes(), key: key, shared: padded}
}

// serviceEncrypt encrypts as the service does when answering GetSecret.
func serviceEncrypt(t *testing.T, key, plain, iv []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return buf
}

func TestDHSessionAgreesWithSimulatedService(t *testing.T) {
	for seed := range uint64(20) {
		kp, err := newDHKeyPair(seeded(1000 + seed))
		if err != nil {
			t.Fatal(err)
		}
		svc := simulateService(t, kp.public, seed)
		key, err := kp.sharedKey(svc.public)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !bytes.Equal(key, svc.key) {
			t.Fatalf("seed %d: client and service derived different keys", seed)
		}
		// Service → client (GetSecrets) and client → service (CreateItem).
		iv := bytes.Repeat([]byte{byte(seed)}, 16)
		token := []byte("eyJhbGciOiJFUzI1NiJ9.payload.sig-_")
		got, err := decryptSecret(key, iv, serviceEncrypt(t, svc.key, token, iv))
		if err != nil || !bytes.Equal(got, token) {
			t.Fatalf("seed %d: decrypting the service's secret = (%q, %v)", seed, got, err)
		}
		iv2, ct, err := encryptSecret(key, token, seeded(seed))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(serviceEncrypt(t, svc.key, token, iv2), ct) {
			t.Fatalf("seed %d: our ciphertext differs from the service's for the same IV", seed)
		}
	}
}

// A shared secret whose first byte is zero is the case that breaks clients
// which hash big.Int.Bytes() (127 bytes) instead of the padded 128: about
// one session in 256. Find seeds that produce one and check we agree.
func TestDHSharedSecretWithLeadingZeroByte(t *testing.T) {
	kp, err := newDHKeyPair(seeded(7))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for seed := uint64(0); seed < 5000 && found < 1; seed++ {
		svc := simulateService(t, kp.public, seed)
		if svc.shared[0] != 0 {
			continue
		}
		found++
		key, err := kp.sharedKey(svc.public)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(key, svc.key) {
			t.Fatalf("seed %d: a shared secret with a leading zero byte derives a different key", seed)
		}
		// Show the trap is real: hashing the unpadded secret differs.
		unpadded, _ := hkdf.Key(sha256.New, bytes.TrimLeft(svc.shared, "\x00"), nil, "", 16)
		if bytes.Equal(unpadded, key) {
			t.Fatalf("seed %d: padding made no difference; the test does not exercise the edge", seed)
		}
	}
	if found == 0 {
		t.Fatal("no shared secret with a leading zero byte within 5000 seeds")
	}
}

// Our public key must be sent as 128 bytes even when its value is shorter.
func TestDHPublicKeyWithLeadingZeroByteIsPadded(t *testing.T) {
	for seed := uint64(0); seed < 5000; seed++ {
		kp, err := newDHKeyPair(seeded(seed))
		if err != nil {
			t.Fatal(err)
		}
		if len(kp.public) != 128 {
			t.Fatalf("seed %d: public key is %d bytes; want 128", seed, len(kp.public))
		}
		if kp.public[0] != 0 {
			continue
		}
		svc := simulateService(t, kp.public, seed)
		key, err := kp.sharedKey(svc.public)
		if err != nil || !bytes.Equal(key, svc.key) {
			t.Fatalf("seed %d: a public key with a leading zero byte does not agree with the service (%v)", seed, err)
		}
		return
	}
	t.Fatal("no public key with a leading zero byte within 5000 seeds")
}

func TestDHRejectsBadPeerKeys(t *testing.T) {
	kp, err := newDHKeyPair(seeded(1))
	if err != nil {
		t.Fatal(err)
	}
	pMinus1 := new(big.Int).Sub(dhPrime(), big.NewInt(1)).Bytes()
	tests := map[string][]byte{
		"empty":     nil,
		"zero":      {0},
		"one":       {1},
		"p-1":       pMinus1,
		"p":         dhPrime().Bytes(),
		"too long":  make([]byte, 129),
		"all zeros": make([]byte, 128),
	}
	for name, peer := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := kp.sharedKey(peer); err == nil {
				t.Fatalf("sharedKey(%s) succeeded; want an error", name)
			}
		})
	}
}

func TestSecretEncryptionRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, 16)
	for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 4096, 16 << 10} {
		plain := bytes.Repeat([]byte("a.b-c_"), n/6+1)[:n]
		iv, ct, err := encryptSecret(key, plain, seeded(uint64(n)))
		if err != nil {
			t.Fatal(err)
		}
		if len(ct)%16 != 0 || len(ct) <= n || len(iv) != 16 {
			t.Fatalf("%d bytes: ciphertext %d bytes, iv %d bytes", n, len(ct), len(iv))
		}
		got, err := decryptSecret(key, iv, ct)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("%d bytes: round trip = (%d bytes, %v)", n, len(got), err)
		}
	}
}

func TestDecryptSecretRejectsMalformedInput(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	iv := bytes.Repeat([]byte{9}, 16)
	good := serviceEncrypt(t, key, []byte("token"), iv)
	badPad := func(last []byte) []byte {
		// Encrypt a block whose padding bytes are wrong.
		block, _ := aes.NewCipher(key)
		buf := append([]byte("0123456789ab"), last...)
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
		return buf
	}
	tests := []struct {
		name   string
		iv, ct []byte
	}{
		{"empty ciphertext", iv, nil},
		{"partial block", iv, good[:15]},
		{"short iv", iv[:8], good},
		{"padding byte zero", iv, badPad([]byte{1, 2, 3, 0})},
		{"padding byte too large", iv, badPad([]byte{1, 2, 3, 17})},
		{"inconsistent padding", iv, badPad([]byte{1, 2, 9, 3})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := decryptSecret(key, tt.iv, tt.ct); !errors.Is(err, errBadSecret) {
				t.Fatalf("decryptSecret = %v; want errBadSecret", err)
			}
		})
	}
}
