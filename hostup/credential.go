package hostup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
)

// Credential names the caller whose key ctx carries (WithAPIKey) without revealing
// it: a SHA-256 fingerprint of the key. It is "" when ctx carries none, so every
// caller of a server with one key of its own shares one credential.
func Credential(ctx context.Context) string {
	s, ok := ctx.Value(apiKeyContextKey{}).(secret)
	if !ok {
		return ""
	}
	sum := sha256.Sum256([]byte("hostup-mcp credential\x00" + s.value()))
	return hex.EncodeToString(sum[:])
}
