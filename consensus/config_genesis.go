package consensus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	cmttypes "github.com/cometbft/cometbft/types"
)

// ConsensusParams returns the CometBFT consensus parameters Quadrant chains
// start with: block.max_bytes = -1, so that PrepareProposal sees the whole
// mempool and the App alone enforces the square limit; everything else is
// CometBFT's default.
func ConsensusParams() *cmttypes.ConsensusParams {
	p := cmttypes.DefaultConsensusParams()
	p.Block.MaxBytes = -1
	p.Block.MaxGas = -1
	return p
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
		ConsensusParams: ConsensusParams(),
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
