//go:build linux || freebsd || openbsd || netbsd || dragonfly

package platform

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
)

// The Secret Service transfer encryption "dh-ietf1024-sha256-aes128-cbc-pkcs7":
// a Diffie-Hellman exchange in the 1024-bit MODP group of RFC 2409 (group 2,
// generator 2), the shared secret fed to HKDF-SHA256 (no salt, no info) for a
// 16-byte key, and secrets sent AES-128-CBC encrypted with PKCS#7 padding, the
// IV in the secret's parameters.
//
// Two details decide whether a session works every time, not 255 times in
// 256: the public key goes on the wire as exactly 128 bytes (left-padded with
// zeros), and the shared secret is left-padded to 128 bytes before HKDF.

// dhGroupSize is the size of the group's prime in bytes.
const dhGroupSize = 128

var (
	dhPrimeOnce  sync.Once
	dhPrimeValue *big.Int
)

// dhPrime returns the RFC 2409 section 6.2 prime, 2^1024 - 2^960 - 1 +
// 2^64 * { [2^894 pi] + 129093 }, parsed on first use rather than at
// start: a git request answered from another store never needs it.
func dhPrime() *big.Int {
	dhPrimeOnce.Do(func() {
		p, ok := new(big.Int).SetString(
			"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"+
				"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"+
				"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"+
				"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"+
				"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"+
				"FFFFFFFFFFFFFFFF", 16)
		if !ok {
			panic("platform: bad RFC 2409 prime constant")
		}
		dhPrimeValue = p
	})
	return dhPrimeValue
}

// dhGenerator is the group's generator.
const dhGenerator = 2

// dhKeyPair is our side of the exchange.
type dhKeyPair struct {
	private *big.Int
	public  []byte // exactly dhGroupSize bytes, big-endian, left-padded
}

// dhExponentSize is the size of our private exponent in bytes. The group
// offers about 80 bits of security and p is a safe prime, so a 256-bit
// exponent (more than twice that) loses nothing against a full-size one and
// makes both of our exponentiations four times cheaper: they are on the hot
// path of every `git credential fill`.
const dhExponentSize = 32

// newDHKeyPair draws a private exponent from random (crypto/rand.Reader in
// production) and computes the public key.
func newDHKeyPair(random io.Reader) (*dhKeyPair, error) {
	buf := make([]byte, dhExponentSize)
	if _, err := io.ReadFull(random, buf); err != nil {
		return nil, fmt.Errorf("reading random bytes for the Secret Service session key: %w", err)
	}
	// x in [2, 2^256+1], far below p-2.
	x := new(big.Int).SetBytes(buf)
	x.Add(x, big.NewInt(2))
	y := new(big.Int).Exp(big.NewInt(dhGenerator), x, dhPrime())
	return &dhKeyPair{private: x, public: y.FillBytes(make([]byte, dhGroupSize))}, nil
}

// sharedKey derives the 16-byte AES key from the service's public key.
func (k *dhKeyPair) sharedKey(peer []byte) ([]byte, error) {
	y, err := checkPeerKey(peer)
	if err != nil {
		return nil, err
	}
	return k.keyFor(y)
}

// checkPeerKey refuses a service public key that is empty, too long, or
// outside (1, p-1), and returns it as a number.
func checkPeerKey(peer []byte) (*big.Int, error) {
	if len(peer) == 0 || len(peer) > dhGroupSize {
		return nil, fmt.Errorf("the Secret Service sent a %d-byte session public key; want at most %d bytes", len(peer), dhGroupSize)
	}
	y := new(big.Int).SetBytes(peer)
	pMinus1 := new(big.Int).Sub(dhPrime(), big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pMinus1) >= 0 {
		return nil, errors.New("the Secret Service sent an invalid session public key")
	}
	return y, nil
}

// keyFor derives the AES key from a checked service public key y.
func (k *dhKeyPair) keyFor(y *big.Int) ([]byte, error) {
	shared := new(big.Int).Exp(y, k.private, dhPrime())
	return deriveAESKey(shared.FillBytes(make([]byte, dhGroupSize)))
}

// deriveAESKey runs HKDF-SHA256 with no salt and no info over the shared
// secret, which must already be left-padded to dhGroupSize bytes.
func deriveAESKey(shared []byte) ([]byte, error) {
	if len(shared) != dhGroupSize {
		return nil, fmt.Errorf("internal error: the shared secret is %d bytes, want %d", len(shared), dhGroupSize)
	}
	return hkdf.Key(sha256.New, shared, nil, "", 16)
}

// encryptSecret pads plaintext (PKCS#7) and encrypts it with AES-128-CBC
// under key and a fresh IV from random.
func encryptSecret(key, plaintext []byte, random io.Reader) (iv, ciphertext []byte, err error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, fmt.Errorf("internal error: bad session key: %w", err)
	}
	iv = make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(random, iv); err != nil {
		return nil, nil, fmt.Errorf("reading random bytes for the secret's IV: %w", err)
	}
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	ciphertext = make([]byte, len(plaintext)+pad)
	copy(ciphertext, plaintext)
	copy(ciphertext[len(plaintext):], bytes.Repeat([]byte{byte(pad)}, pad))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(ciphertext, ciphertext)
	return iv, ciphertext, nil
}

// errBadSecret is what decryptSecret reports for any malformed input, so that
// it says nothing about which check failed (no padding oracle).
var errBadSecret = errors.New("the Secret Service returned a secret that does not decrypt with this session's key")

// decryptSecret reverses encryptSecret.
func decryptSecret(key, iv, ciphertext []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("internal error: bad session key: %w", err)
	}
	if len(iv) != aes.BlockSize || len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, errBadSecret
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ciphertext)
	pad := int(plain[len(plain)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errBadSecret
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, errBadSecret
		}
	}
	return plain[:len(plain)-pad], nil
}
