package wallet

// Test-only aliases: the external tests of package wallet exercise
// these unexported names through the package's public face.

const StateEvicted = stateEvicted

const StateIncluded = stateIncluded

const StatePending = statePending
