// Package pebblex holds the few helpers the node stores built on Pebble
// (fullnode's square store, lightnode's header store) would otherwise each
// define: the adapter that routes Pebble's logs to the node's slog.Logger,
// and the big-endian uint64 values both keep as heights and marks.
//
// It sits at the bottom of the layering beside the storage engine; only the
// node packages (which do disk I/O) import it, never a pure package.
package pebblex
