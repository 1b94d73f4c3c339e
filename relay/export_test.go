package relay

// Test-only aliases: the external tests of package relay exercise
// these unexported names through the package's public face.

type Sink = sink

type Source = source
