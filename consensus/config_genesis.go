package consensus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
)

// ConsensusParams returns the CometBFT consensus parameters of a chain with
// the default app params (ConsensusParamsFor).
func ConsensusParams() *cmttypes.ConsensusParams { return ConsensusParamsFor(DefaultParams()) }

// ConsensusParamsFor returns the CometBFT consensus parameters Quadrant
// chains with app params p start with: block.max_bytes = BlockMaxBytes(p),
// no gas limit, everything else CometBFT's default.
func ConsensusParamsFor(p Params) *cmttypes.ConsensusParams {
	c := cmttypes.DefaultConsensusParams()
	c.Block.MaxBytes = BlockMaxBytes(p)
	c.Block.MaxGas = -1
	return c
}

// BlockMaxBytes is the block.max_bytes of a chain with app params p: two
// full squares of transaction bytes (a square's transactions take at most
// 512 bytes per share) plus room for a block's full evidence (CometBFT's
// default evidence.max_bytes, 1 MiB) and 1 MiB for the header and the
// commit, at most CometBFT's 100 MiB. The square, not this, bounds a block; the
// bound is there because CometBFT hashes every transaction it reaps for
// PrepareProposal, and with no bound (-1) it reaped the whole mempool: with
// a k=256 backlog of 114 txs of 2 MiB the proposer spent 2-3 s hashing
// 228 MiB before PrepareProposal was even called. Two squares leave the
// proposer room to choose by fee.
func BlockMaxBytes(p Params) int64 {
	square := int64(p.MaxSquareSize) * int64(p.MaxSquareSize) * 512
	evidence := cmttypes.DefaultConsensusParams().Evidence.MaxBytes
	return min(2*square+evidence+1<<20, cmttypes.MaxBlockSizeBytes)
}

// NewGenesisDoc assembles a genesis document: the validators (fixed for the
// life of the chain for now), ConsensusParams and app as app_state. It
// validates both the app state and the document.
func NewGenesisDoc(chainID string, genesisTime time.Time, validators []cmttypes.GenesisValidator, app GenesisState) (*cmttypes.GenesisDoc, error) {
	if err := app.Validate(); err != nil {
		return nil, err
	}
	appState, err := json.Marshal(app)
	if err != nil {
		return nil, fmt.Errorf("consensus: encoding app state: %w", err)
	}
	doc := &cmttypes.GenesisDoc{
		GenesisTime:     genesisTime.UTC(),
		ChainID:         chainID,
		InitialHeight:   1,
		ConsensusParams: ConsensusParamsFor(app.Params),
		Validators:      validators,
		AppState:        appState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
	}
	return doc, nil
}

// WriteGenesis writes doc to <home>/cometbft/config/genesis.json.
func WriteGenesis(home string, doc *cmttypes.GenesisDoc) error {
	path := GenesisPath(home)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("consensus: creating %s: %w", filepath.Dir(path), err)
	}
	if err := doc.SaveAs(path); err != nil {
		return fmt.Errorf("consensus: writing genesis %s: %w", path, err)
	}
	return nil
}

// ReadGenesisFile reads and validates a genesis document, including its
// app_state.
func ReadGenesisFile(path string) (*cmttypes.GenesisDoc, GenesisState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, GenesisState{}, fmt.Errorf("consensus: reading genesis: %w", err)
	}
	doc, err := cmttypes.GenesisDocFromJSON(b)
	if err != nil {
		return nil, GenesisState{}, fmt.Errorf("%w: %s: %w", ErrInvalidGenesis, path, err)
	}
	app, err := ParseGenesisState(doc.AppState)
	if err != nil {
		return nil, GenesisState{}, fmt.Errorf("%s: %w", path, err)
	}
	return doc, app, nil
}
