package fullnode

// Test-only aliases: the external tests of package fullnode exercise
// these unexported names through the package's public face.

type BlockDataError = blockDataError

var ErrBlockData = errBlockData

var ParseConfig = parseConfig
