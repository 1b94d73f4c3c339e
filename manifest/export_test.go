package manifest

// Test-only aliases: the external tests of package manifest exercise
// these unexported names through the package's public face.

var ErrBootstrap = errBootstrap

var ErrChainID = errChainID

var ErrUnbonding = errUnbonding

var ErrVersion = errVersion

const MaxSize = maxSize

var Parse = parse
