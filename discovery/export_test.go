package discovery

// Test-only aliases: the external tests of package discovery exercise
// these unexported names through the package's public face.

var ProtocolPrefix = protocolPrefix

var Rendezvous = rendezvous
