// Package chain is what Quadrant's application (package consensus) and its
// clients (package wallet, the rollup adapter, the CLI) agree on: account
// addresses, the chain parameters, the ABCI result codes of CheckTx and their
// structured details (ExpectedSequence), the shapes of query answers
// (AccountInfo) and the names of FinalizeBlock's blob events.
//
// Clients classify every outcome by these codes and fields, never by message
// text: the text is for people and may change.
//
// chain is pure (no network, disk, clock or engine) and imports only blobs
// and da; both the application and the clients import it, so neither has to
// import the other.
package chain
