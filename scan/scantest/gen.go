// Package scantest makes fake secrets of every built-in scanner rule type,
// and look-alike values that are not secrets, for the scanner's tests and the
// benchmark corpus. Nothing it makes is a live credential.
package scantest

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Character sets secrets are drawn from.
const (
	Upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	Lower    = "abcdefghijklmnopqrstuvwxyz"
	Digits   = "0123456789"
	Alnum    = Upper + Lower + Digits
	Hex      = "0123456789abcdef"
	B64      = Alnum + "+/"
	B64URL   = Alnum + "-_"
	Base32   = Upper + "234567"
	Bech32   = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
	Symbols  = "!#%&*+-=?@^_~"
	Password = Alnum + Symbols
)

// Sample is a value to plant in code: Name = Value, where Value holds
// Secret (Value is Secret itself, or a URL or block around it). Rule is the
// built-in rule expected to find it, or "" for a look-alike that must not be
// reported; Why says what the look-alike imitates.
type Sample struct {
	Rule   string
	Name   string
	Value  string
	Secret string
	Why    string
}

// Multiline reports whether the value spans lines (a key block).
func (s Sample) Multiline() bool { return strings.Contains(s.Value, "\n") }

// Gen draws fake secrets from a seeded generator: the same seed gives the
// same values.
type Gen struct{ r *rand.Rand }

// New returns a generator seeded with seed.
func New(seed uint64) *Gen { return &Gen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))} }

// Rand exposes the generator's random source for callers that build
// surrounding code.
func (g *Gen) Rand() *rand.Rand { return g.r }

// S draws n characters from set.
func (g *Gen) S(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

// Password draws a strong password: mixed classes, at least one digit.
func (g *Gen) Password(n int) string {
	return g.S(Upper, 1) + g.S(Lower, 2) + g.S(Digits, 1) + g.S(Password, n-5) + g.S(Digits, 1)
}

func (g *Gen) uuid() string {
	return g.S(Hex, 8) + "-" + g.S(Hex, 4) + "-" + g.S(Hex, 4) + "-" + g.S(Hex, 4) + "-" + g.S(Hex, 12)
}

// pem wraps a random DER-looking body in a PEM block of the given label.
func (g *Gen) pem(label string, bodyLen int) (value, body string) {
	raw := make([]byte, bodyLen)
	for i := range raw {
		raw[i] = byte(g.r.IntN(256))
	}
	enc := base64.StdEncoding.EncodeToString(raw)
	var b strings.Builder
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n")
	body = "\n" + b.String()
	return "-----BEGIN " + label + "-----" + body + "-----END " + label + "-----", body
}

// jwt makes a signed-looking JWT with a JSON header.
func (g *Gen) jwt() string {
	enc := base64.RawURLEncoding.EncodeToString
	head := enc([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body := enc(fmt.Appendf(nil, `{"sub":"%d","name":"svc-%s","iat":%d}`, g.r.IntN(1e6), g.S(Lower, 6), 1600000000+g.r.IntN(1e8)))
	return head + "." + body + "." + g.S(B64URL, 43)
}
