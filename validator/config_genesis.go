package validator

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/quadrant-da/quadrant/consensus"
)

// consensusParams returns the CometBFT consensus parameters Quadrant chains
// start with: block.max_bytes = -1, so that PrepareProposal sees the whole
// mempool and the App alone enforces the square limit; vote extensions on
// from height 1 (they carry attestation signatures); everything else is
// CometBFT's default.
//
// The price, measured with `quadrant bench chain` at k=256: CometBFT v1.0.1
// builds a block from every reaped transaction and hashes them all before
// it calls PrepareProposal, so with a backlog of 114 txs of 2 MiB the
// proposer spent 1.3-3.2 s (on a loaded 2-core box) before PrepareProposal.
// A bound of two squares brought that to 0.4-0.5 s but did not move
// end-to-end throughput beyond the noise, and the -1 contract (the app, not
// CometBFT, decides what fits) is kept. mempool.max_txs_bytes bounds the
// worst case.
func consensusParams() *cmttypes.ConsensusParams {
	p := cmttypes.DefaultConsensusParams()
	p.Block.MaxBytes = -1
	p.Block.MaxGas = -1
	// Attestation signatures travel in vote extensions (consensus/doc.go).
	p.ABCI.VoteExtensionsEnableHeight = 1
	return p
}

// NewGenesisDoc assembles a genesis document: the validators,
// consensusParams and app as app_state. It validates both the app state and
// the document.
//
// When app has staking validators (app.Staking.Validators, self-bonded
// stake) the document's validators are derived from them
// (consensus.InitialValidators) and validators must be empty; otherwise
// validators is a set the app does not stake (it changes only once a
// validator is created by transaction).
func NewGenesisDoc(chainID string, genesisTime time.Time, validators []cmttypes.GenesisValidator, app consensus.GenesisState) (*cmttypes.GenesisDoc, error) {
	if err := app.Validate(); err != nil {
		return nil, err
	}
	if len(app.Staking.Validators) > 0 {
		if len(validators) > 0 {
			return nil, fmt.Errorf("%w: validators given both as staking validators in app_state and as a fixed set; give one", consensus.ErrInvalidGenesis)
		}
		for _, v := range consensus.InitialValidators(app) {
			pk := ed25519.PubKey(v.PubKey)
			validators = append(validators, cmttypes.GenesisValidator{Address: pk.Address(), PubKey: pk, Power: v.Power, Name: v.Moniker})
		}
	}
	appState, err := json.Marshal(app)
	if err != nil {
		return nil, fmt.Errorf("validator: encoding app state: %w", err)
	}
	doc := &cmttypes.GenesisDoc{
		GenesisTime:     genesisTime.UTC(),
		ChainID:         chainID,
		InitialHeight:   1,
		ConsensusParams: consensusParams(),
		Validators:      validators,
		AppState:        appState,
	}
	if err := doc.ValidateAndComplete(); err != nil {
		return nil, fmt.Errorf("%w: %w", consensus.ErrInvalidGenesis, err)
	}
	return doc, nil
}

// WriteGenesis writes doc to <home>/cometbft/config/genesis.json.
func WriteGenesis(home string, doc *cmttypes.GenesisDoc) error {
	path := GenesisPath(home)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("validator: creating %s: %w", filepath.Dir(path), err)
	}
	if err := doc.SaveAs(path); err != nil {
		return fmt.Errorf("validator: writing genesis %s: %w", path, err)
	}
	return nil
}

// ReadGenesisFile reads and validates a genesis document, including its
// app_state.
func ReadGenesisFile(path string) (*cmttypes.GenesisDoc, consensus.GenesisState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, consensus.GenesisState{}, fmt.Errorf("validator: reading genesis: %w", err)
	}
	doc, err := cmttypes.GenesisDocFromJSON(b)
	if err != nil {
		return nil, consensus.GenesisState{}, fmt.Errorf("%w: %s: %w", consensus.ErrInvalidGenesis, path, err)
	}
	app, err := consensus.ParseGenesisState(doc.AppState)
	if err != nil {
		return nil, consensus.GenesisState{}, fmt.Errorf("%s: %w", path, err)
	}
	return doc, app, nil
}
