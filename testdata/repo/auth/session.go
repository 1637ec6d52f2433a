// Package auth issues and checks user sessions.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"
)

// SessionTTL is how long a session stays valid.
const SessionTTL = 12 * time.Hour

// ErrExpired is returned for a session past its TTL.
var ErrExpired = errors.New("session expired")

// Session is one signed-in user.
type Session struct {
	ID      string
	UserID  string
	Created time.Time
}

// NewSession starts a session for userID.
func NewSession(userID string) (*Session, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return &Session{ID: base64.RawURLEncoding.EncodeToString(b), UserID: userID, Created: time.Now()}, nil
}

// Valid reports whether s may still be used at now.
func (s *Session) Valid(now time.Time) error {
	if now.Sub(s.Created) > SessionTTL {
		return ErrExpired
	}
	return nil
}
