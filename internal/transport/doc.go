// Package transport serves an MCP server over HTTP, securely: Streamable HTTP
// (stateless, at /mcp) or the legacy HTTP+SSE transport (/sse and /message),
// each behind a small security handler that runs before mcp-go sees a request.
//
// That handler, in order:
//   - on a loopback connection, refuses a Host header that is not a loopback
//     name (DNS rebinding protection);
//   - refuses a foreign Origin (403): allowed are requests without Origin, the
//     server's own host, loopback origins and the configured allow-list;
//   - authenticates the request: a shared secret compared in constant time, or
//     the caller's own HostUp API key, which is put in that request's context
//     (hostup.WithAPIKey) and is never stored, cached or logged;
//   - caps the request body and bounds its reading: how many bodies may still
//     be arriving after their headers, how many bytes large ones may hold, and
//     a deadline that grows with the body's length (bodies.go);
//   - refuses a JSON-RPC batch as not supported.
//
// Every refusal is answered at once and closes its connection, unread body and
// all, so a client that stalls its body cannot hold a connection.
//
// Below it, Serve bounds the open connections, in all and per client address,
// under the process's open-file limit (conns.go). Around the tools it adds a
// bound on concurrent tool calls (excess calls get a "busy" tool error at
// once). /healthz says the process serves; /readyz says whether it has room for
// more. Serve shuts down gracefully: it stops accepting, ends the body reads in
// progress, lets the calls in flight finish within a bound, then returns.
//
// With Options.Metrics, /metrics is served to the holder of its own token
// (Options.MetricsToken), or else behind the same authentication as MCP; with
// per-request HostUp keys its own token is required. Options.Observer hears every
// refusal (observe.go).
//
// Which authentication applies, and whether a non-loopback address may be
// served at all, is decided by Options and checked by New before anything
// listens.
package transport
