package hostup

import "context"

// emptyKeyCredential names a caller whose context carries an empty key. Such a
// caller's requests fail with ErrNoAPIKey, but it is still not the server's own
// key, whose credential is "", so it must not reach that key's tasks. It is not
// hex, so no key's id can be it.
const emptyKeyCredential = "empty key"

// Credential names the caller whose key ctx carries (WithAPIKey) without revealing
// it: the key's id, as RequestKeyID has it. It is "" when ctx carries none, so every
// caller of a server with one key of its own shares one credential.
func Credential(ctx context.Context) string {
	id, perRequest := RequestKeyID(ctx)
	switch {
	case !perRequest:
		return ""
	case id == "":
		return emptyKeyCredential
	}
	return id
}
