// Package hostup is a typed client of HostUp's VPS backup API (v2, plus the job
// endpoint GET /api/jobs/{jobId}). It knows HTTP and HostUp and nothing of MCP.
//
// What it guarantees, so that callers need not:
//
//   - Ids are validated against HostUp's id shapes and escaped before they become a
//     path segment; an invalid id returns *InvalidIDError and sends nothing.
//   - Every non-2xx answer is an *APIError, whether HostUp sent RFC 7807, a v1 error
//     body, an HTML page or nothing.
//   - 429 is retried on every method, after Retry-After; GETs also retry 502/503/504 and
//     network errors with jittered backoff. POST, PATCH and DELETE are never repeated
//     after a failure HostUp may have acted on: their error wraps ErrOutcomeUnknown, and
//     the caller reads the state again.
//   - The API key appears in the Authorization header and nowhere else: not in errors,
//     logs, or the fmt and slog forms of Client and Options.
//   - Where HostUp's documentation leaves a response shape open, every plausible shape is
//     accepted, and a 2xx is never turned into an error because its body was unexpected.
package hostup
