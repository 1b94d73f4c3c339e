// Package rpc is the JSON-RPC plumbing shared by Quadrant's light node, full
// node and rollup adapter: one Server serving HTTP POST and WebSocket on one
// listener with github.com/filecoin-project/go-jsonrpc (the library
// celestia-node and its clients use), JWT permissions, per-client rate
// limits, a body size limit, optional CORS, a health endpoint and Prometheus
// metrics on a separate listener. It knows nothing of what it serves: each
// node registers its modules ("das", "header", "blob", "share", "da", ...).
//
// # Place in the layering
//
// rpc sits above p2p and below fullnode, lightnode and rollup-adapter; it
// imports no Quadrant package (and never consensus, fullnode or lightnode).
// API types (sampling.Stats, headers, blobs) belong to the modules that
// register them.
//
// # Permissions (as celestia-node)
//
// public / read / write / admin. A module's API struct is celestia-node's
// shape: an Internal struct of function fields tagged perm:"..." plus
// forwarding methods (see Server.Register); the same struct is the go-jsonrpc
// client. Register fills Internal with guards: the caller's permissions come
// from the context (go-jsonrpc's auth.WithPerm/auth.HasPerm, so handlers
// written for go-jsonrpc's auth package interoperate); a caller lacking the
// tag's permission gets go-jsonrpc's wording with the full method name,
// "missing permission to invoke 'blob.Submit' (need 'write')" — go-jsonrpc's
// own auth.PermissionedProxy names only "Submit", and it panics on a bad tag
// where Register returns an error. Register also refuses an API method
// without a tagged field, which go-jsonrpc would otherwise serve unchecked.
// A request without a token gets defaultPerms (public); a token's
// permissions always include public.
//
// # Tokens
//
// HS256 JWTs ({"alg":"HS256","typ":"JWT"}, claims {"Allow": [...], "exp":
// ...}, the claim name celestia-node and lotus use), implemented here with
// crypto/hmac: no JWT module is in go.mod, and the format needs ~100 lines.
// Only HS256 is accepted (never "none" or another alg named by the token),
// strict unpadded base64url, known permissions, an optional expiry checked
// against the injected clock, at most maxTokenSize bytes; fuzzed. The secret
// is the node's own 32 random bytes, hex in <home>/jwt_secret (0600; a file
// readable by others is refused), separate from the p2p and consensus keys
// (LoadOrCreateSecret). Tokens arrive as "Authorization: Bearer <token>" or,
// for browsers' WebSockets which cannot set headers, a "token" query
// parameter. A bad token is answered 401 before any method runs (go-jsonrpc's
// auth.Handler behaviour; ours is written here to log through slog, count
// refusals and apply the limits first).
//
// # Limits
//
// Rate: a token bucket per remote IP (golang.org/x/time/rate; X-Forwarded-For
// is not trusted). Each HTTP request takes a token (429 with Retry-After when
// empty; a go-jsonrpc batch counts as one request); a WebSocket upgrade
// takes one and then every call on the connection takes one (a
// rateLimitError otherwise). Body: a Content-Length over MaxBodyBytes is
// answered 413 at once; a chunked body is cut at the limit (go-jsonrpc also
// enforces it). WebSocket messages have the same bound: go-jsonrpc v0.10.0
// reads each message whole with no limit and offers no hook, so the server
// hands its upgrader a connection (through the ResponseWriter's Hijack) that
// follows the client's frame headers and disconnects a client whose message
// — one frame or many fragments — announces more than MaxBodyBytes, before
// the payload is read (errMessageTooLarge, counted as "too_large"). Tokens,
// origin and rate are all checked before the upgrade; a connection without a
// token gets public permissions, as an HTTP request does.
//
// # Browsers
//
// CORS is off by default: any request with an Origin header is refused with
// 403 (also WebSocket upgrades, which browsers do not subject to CORS; this
// stops a web page from reaching a node on localhost). Listing origins in
// CORSOrigins (or "*") allows them and answers preflights.
//
// # Lifecycle and metrics
//
// Register everything, then Start(ctx) binds the listeners (errors at once)
// and serves in the background; Stop (or the end of ctx) cancels in-flight
// calls, closes WebSocket connections (ending subscriptions) and waits.
// Metrics (quadrant_rpc_calls_total{method,result},
// quadrant_rpc_call_duration_seconds, quadrant_rpc_http_rejections_total,
// quadrant_rpc_websocket_connections) go to the registry passed with
// WithRegistry, which is also what MetricsAddr serves at /metrics — never
// the global default registry. healthPath (/health) answers 200 {"status":
// "ok"} or 503 with the error of the check given by WithHealth; it needs no
// token and is not rate limited.
package rpc
