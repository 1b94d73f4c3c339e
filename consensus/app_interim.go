package consensus

import (
	"context"
	"errors"

	abci "github.com/cometbft/cometbft/abci/types"
)

// TEMPORARY (helper D1): these four methods wait for package blobs; they are
// replaced by checktx.go / proposal.go / app_finalize.go within the session.

var errNotYet = errors.New("consensus: block processing not wired yet (waiting for package blobs)")

type layoutCache struct{}

// CheckTx is not implemented yet.
func (a *App) CheckTx(context.Context, *abci.CheckTxRequest) (*abci.CheckTxResponse, error) {
	return &abci.CheckTxResponse{Code: CodeInternal, Log: errNotYet.Error()}, nil
}

// PrepareProposal is not implemented yet.
func (a *App) PrepareProposal(context.Context, *abci.PrepareProposalRequest) (*abci.PrepareProposalResponse, error) {
	return nil, errNotYet
}

// ProcessProposal is not implemented yet.
func (a *App) ProcessProposal(context.Context, *abci.ProcessProposalRequest) (*abci.ProcessProposalResponse, error) {
	return nil, errNotYet
}

// FinalizeBlock is not implemented yet.
func (a *App) FinalizeBlock(context.Context, *abci.FinalizeBlockRequest) (*abci.FinalizeBlockResponse, error) {
	return nil, errNotYet
}
