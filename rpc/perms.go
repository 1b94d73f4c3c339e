package rpc

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/filecoin-project/go-jsonrpc"
	"github.com/filecoin-project/go-jsonrpc/auth"
)

// Permissions, as celestia-node's.
const (
	permPublic auth.Permission = "public"
	permRead   auth.Permission = "read"
	permWrite  auth.Permission = "write"
	permAdmin  auth.Permission = "admin"
)

// Permission sets, as celestia-node's: defaultPerms is what a request
// without a token gets; tokens made by `quadrant auth <level>` carry
// readPerms, readWritePerms or allPerms.
var (
	defaultPerms   = []auth.Permission{permPublic}
	readPerms      = []auth.Permission{permPublic, permRead}
	readWritePerms = []auth.Permission{permPublic, permRead, permWrite}
	allPerms       = []auth.Permission{permPublic, permRead, permWrite, permAdmin}
)

// PermsForLevel returns the permission set of a level name: "public",
// "read", "write" or "admin".
func PermsForLevel(level string) ([]auth.Permission, error) {
	switch auth.Permission(level) {
	case permPublic:
		return slices.Clone(defaultPerms), nil
	case permRead:
		return slices.Clone(readPerms), nil
	case permWrite:
		return slices.Clone(readWritePerms), nil
	case permAdmin:
		return slices.Clone(allPerms), nil
	}
	return nil, fmt.Errorf("rpc: unknown permission level %q, want public, read, write or admin", level)
}

// permissionError is returned to a caller whose token lacks the permission a
// method needs. Its message is go-jsonrpc's wording, with the method's full
// name: "missing permission to invoke 'blob.Submit' (need 'write')".
type permissionError struct {
	Method string
	Need   auth.Permission
}

func (e *permissionError) Error() string {
	return fmt.Sprintf("missing permission to invoke '%s' (need '%s')", e.Method, e.Need)
}

// rateLimitError is returned to a WebSocket caller that exceeds its rate.
type rateLimitError struct {
	Client string
}

func (e *rateLimitError) Error() string {
	return fmt.Sprintf("rpc: rate limit exceeded for client %s, slow down", e.Client)
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// proxy fills api.Internal (see Server.Register) with functions that check
// the caller's permission, apply the per-call rate limit on WebSocket
// connections, count the call, then call impl's method of the same name.
func (s *Server) proxy(namespace string, impl, api any) error {
	av := reflect.ValueOf(api)
	if av.Kind() != reflect.Pointer || av.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("rpc: register %q: api is %T, want a pointer to a struct with an Internal struct field", namespace, api)
	}
	internal := av.Elem().FieldByName("Internal")
	if !internal.IsValid() || internal.Kind() != reflect.Struct {
		return fmt.Errorf("rpc: register %q: %T has no Internal struct field", namespace, api)
	}
	iv := reflect.ValueOf(impl)
	it := internal.Type()
	fields := map[string]bool{}
	for i := 0; i < it.NumField(); i++ {
		f := it.Field(i)
		name := namespace + "." + f.Name
		need := auth.Permission(f.Tag.Get("perm"))
		if !slices.Contains(allPerms, need) {
			return fmt.Errorf("rpc: %s: perm tag %q, want one of %v", name, need, allPerms)
		}
		if f.Type.Kind() != reflect.Func || f.Type.NumIn() < 1 || f.Type.In(0) != ctxType {
			return fmt.Errorf("rpc: %s: field type %v, want a func taking a context.Context first", name, f.Type)
		}
		if n := f.Type.NumOut(); n < 1 || n > 2 || f.Type.Out(n-1) != errType {
			return fmt.Errorf("rpc: %s: %v must return (error) or (T, error)", name, f.Type)
		}
		m := iv.MethodByName(f.Name)
		if !m.IsValid() || m.Type() != f.Type {
			return fmt.Errorf("rpc: %s: %T has no method %s of type %v", name, impl, f.Name, f.Type)
		}
		if fm := av.MethodByName(f.Name); !fm.IsValid() || fm.Type() != f.Type {
			return fmt.Errorf("rpc: %s: %T has no forwarding method %s of type %v", name, api, f.Name, f.Type)
		}
		fields[f.Name] = true
		internal.Field(i).Set(reflect.MakeFunc(f.Type, s.guard(name, need, f.Type, m)))
	}
	// A method of api without an Internal field would be served unchecked.
	at := av.Type()
	for i := 0; i < at.NumMethod(); i++ {
		if name := at.Method(i).Name; !fields[name] {
			return fmt.Errorf("rpc: %s.%s: method of %T has no Internal field with a perm tag; it would be served without a permission check",
				namespace, name, api)
		}
	}
	return nil
}

func (s *Server) guard(name string, need auth.Permission, ft reflect.Type, m reflect.Value) func([]reflect.Value) []reflect.Value {
	fail := func(err error) []reflect.Value {
		out := make([]reflect.Value, ft.NumOut())
		for i := 0; i < ft.NumOut()-1; i++ {
			out[i] = reflect.Zero(ft.Out(i))
		}
		ev := reflect.New(errType).Elem()
		ev.Set(reflect.ValueOf(err))
		out[ft.NumOut()-1] = ev
		return out
	}
	return func(args []reflect.Value) []reflect.Value {
		ctx, _ := args[0].Interface().(context.Context)
		if ctx == nil {
			ctx = context.Background()
		}
		if !auth.HasPerm(ctx, defaultPerms, need) {
			s.metrics.calls.WithLabelValues(name, "denied").Inc()
			return fail(&permissionError{Method: name, Need: need})
		}
		if jsonrpc.GetConnectionType(ctx) == jsonrpc.ConnectionTypeWS {
			if c, ok := ctx.Value(clientKey{}).(string); ok && !s.limiter.Allow(c) {
				s.metrics.calls.WithLabelValues(name, "rate_limited").Inc()
				return fail(&rateLimitError{Client: c})
			}
		}
		start := time.Now()
		out := m.Call(args)
		s.metrics.duration.WithLabelValues(name).Observe(time.Since(start).Seconds())
		result := "ok"
		if e := out[len(out)-1]; !e.IsNil() {
			result = "error"
		}
		s.metrics.calls.WithLabelValues(name, result).Inc()
		return out
	}
}

type clientKey struct{}
