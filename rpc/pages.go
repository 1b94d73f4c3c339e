package rpc

import (
	"net/http"
	"slices"
	"strings"

	"github.com/filecoin-project/go-jsonrpc/auth"
)

// tokenCookie is the cookie a browser may carry a token in, for pages
// mounted with WithPage (a browser cannot set the Authorization header when
// it follows a link).
const tokenCookie = "quadrant_token"

// page is an HTTP handler served next to JSON-RPC (see WithPage).
type page struct {
	pattern string
	perm    auth.Permission // "" serves without a token
	h       http.Handler
}

// WithPage serves h for GET and HEAD requests at pattern (an
// http.ServeMux path such as "/dashboard/state"; "/" means the root
// exactly, and a WebSocket upgrade or POST on the root still reaches
// JSON-RPC). The per-client rate limit applies. A non-empty perm requires a
// token granting it, taken from the Authorization header ("Bearer <token>"),
// the "token" query parameter or the tokenCookie cookie; without one the
// answer is 401, with a token lacking perm 403.
func WithPage(pattern string, perm auth.Permission, h http.Handler) Option {
	return func(s *Server) { s.pages = append(s.pages, page{pattern, perm, h}) }
}

// mountPages registers the pages on mux and returns the root handler:
// JSON-RPC, or the page mounted at "/" for a plain GET or HEAD.
func (s *Server) mountPages(mux *http.ServeMux, jsonrpc http.Handler) http.Handler {
	root := jsonrpc
	for _, p := range s.pages {
		h := s.pageHandler(p)
		if p.pattern != "/" {
			mux.Handle(p.pattern, h)
			continue
		}
		root = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			upgrade := strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
			if r.URL.Path == "/" && !upgrade && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				h.ServeHTTP(w, r)
				return
			}
			jsonrpc.ServeHTTP(w, r)
		})
	}
	return root
}

// pageHandler applies the method, rate-limit and token checks of p.
func (s *Server) pageHandler(p page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.conns.Add(1)
		defer s.conns.Done()
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			httpError(w, http.StatusMethodNotAllowed, "rpc: use GET for "+p.pattern)
			return
		}
		client := ClientIP(r)
		if !s.limiter.Allow(client) {
			s.metrics.rejections.WithLabelValues("rate_limited").Inc()
			httpError(w, http.StatusTooManyRequests, (&rateLimitError{Client: client}).Error())
			return
		}
		if p.perm != "" {
			token := pageToken(r)
			if token == "" {
				s.metrics.rejections.WithLabelValues("unauthorized").Inc()
				httpError(w, http.StatusUnauthorized, "rpc: "+p.pattern+" needs a token with "+string(p.perm)+
					" permission (Authorization: Bearer, ?token= or the "+tokenCookie+" cookie)")
				return
			}
			perms, err := verifyToken(s.secret, token, s.now())
			if err != nil {
				s.metrics.rejections.WithLabelValues("unauthorized").Inc()
				httpError(w, http.StatusUnauthorized, err.Error())
				return
			}
			if !slices.Contains(perms, p.perm) {
				s.metrics.rejections.WithLabelValues("unauthorized").Inc()
				httpError(w, http.StatusForbidden, "rpc: the token does not grant "+string(p.perm)+" permission")
				return
			}
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		p.h.ServeHTTP(w, r)
	})
}

// pageToken returns the token of a page request, or "".
func pageToken(r *http.Request) string {
	if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(raw)
	}
	if q := r.URL.Query().Get("token"); q != "" {
		return q
	}
	if c, err := r.Cookie(tokenCookie); err == nil {
		return c.Value
	}
	return ""
}
