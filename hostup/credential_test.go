package hostup

import (
	"context"
	"testing"
)

// Credential is the key id RequestKeyID and the transport's per-key rate limit
// know the caller by, not a second fingerprint of the key with its own salt.
func TestCredentialIsTheRequestKeyID(t *testing.T) {
	ctx := WithAPIKey(context.Background(), testKey)
	id, _ := RequestKeyID(ctx)
	if got := Credential(ctx); got != id || got == "" {
		t.Errorf("Credential = %q, want RequestKeyID's %q", got, id)
	}
	if got := Credential(WithAPIKey(context.Background(), "hk_other")); got == id {
		t.Error("two keys share a credential")
	}
}

// Without a key in ctx every caller uses the server's own key and shares its
// credential, "", which no key in ctx, not even an empty one, may take.
func TestCredentialOfTheServersOwnKeyIsEmptyAndNobodyElses(t *testing.T) {
	if got := Credential(context.Background()); got != "" {
		t.Errorf("Credential without a key = %q, want \"\"", got)
	}
	if got := Credential(WithAPIKey(context.Background(), "")); got == "" {
		t.Error("an empty key in ctx has the server's own key's credential")
	}
}
