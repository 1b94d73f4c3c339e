package consensus

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"

	"github.com/quadrant-da/quadrant/chain"
	"github.com/quadrant-da/quadrant/contracts/blobstream"
)

// Attestation parameter defaults.
const (
	defaultDataCommitmentWindow = 100
	defaultValsetChangeBps      = 500
)

// errAttestation is wrapped by every rejected attestation signature, vote
// extension or attestation transaction.
var errAttestation = errors.New("consensus: invalid attestation")

// AttestParams are the attestation parameters, fixed at genesis.
type AttestParams struct {
	// DataCommitmentWindow is the number of heights one data commitment
	// covers; a window ends at every height divisible by it.
	DataCommitmentWindow uint64 `json:"data_commitment_window"`
	// ValsetChangeBps is the share of power (basis points) that must move
	// before a new Ethereum validator set is attested.
	ValsetChangeBps uint64 `json:"valset_change_bps"`
}

// defaultAttestParams returns a window of 100 heights and a 5 % threshold.
func defaultAttestParams() AttestParams {
	return AttestParams{DataCommitmentWindow: defaultDataCommitmentWindow, ValsetChangeBps: defaultValsetChangeBps}
}

// withDefaults fills zero fields with the defaults.
func (p AttestParams) withDefaults() AttestParams {
	if p.DataCommitmentWindow == 0 {
		p.DataCommitmentWindow = defaultDataCommitmentWindow
	}
	if p.ValsetChangeBps == 0 {
		p.ValsetChangeBps = defaultValsetChangeBps
	}
	return p
}

// Validate checks the window is in [1, blobstream.MaxWindow] and the
// threshold at most 100 %.
func (p AttestParams) Validate() error {
	if p.DataCommitmentWindow < 1 || p.DataCommitmentWindow > blobstream.MaxWindow {
		return fmt.Errorf("%w: data_commitment_window %d, want 1..%d", ErrInvalidGenesis, p.DataCommitmentWindow, blobstream.MaxWindow)
	}
	if p.ValsetChangeBps > 10_000 {
		return fmt.Errorf("%w: valset_change_bps %d, want at most 10000", ErrInvalidGenesis, p.ValsetChangeBps)
	}
	return nil
}

// attestations is the attestation state: every attestation by nonce
// (Items[n].Nonce == n; nonce 0 is the genesis Ethereum validator set),
// the nonce of the latest valset attestation, and the data-root tuples of
// the current window. It is one app-hash leaf (SHA-256 of its JSON).
// When the genesis set has no validator with an Ethereum address, Items
// is empty and nothing is attested.
type attestations struct {
	Params     AttestParams         `json:"params"`
	Items      []*chain.Attestation `json:"items"`
	LastValset uint64               `json:"last_valset"`
	Window     []windowTuple        `json:"window"`
}

type windowTuple struct {
	Height   uint64         `json:"height"`
	DataRoot chain.HexBytes `json:"data_root"`
}

// newAttestations returns the genesis attestation state for the staking
// state's active set.
func newAttestations(p AttestParams, st *Staking) *attestations {
	s := &attestations{Params: p}
	if set := ethValset(st); len(set) > 0 {
		s.Items = append(s.Items, valsetAttestation(0, 0, set, nil))
	}
	return s
}

// Clone returns a deep copy of s.
func (s *attestations) Clone() *attestations {
	c, err := unmarshalAttestations(s.marshal())
	if err != nil {
		panic(fmt.Sprintf("consensus: attestation state does not round-trip: %v", err)) // programmer error
	}
	return c
}

func (s *attestations) marshal() []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("consensus: encoding attestation state: %v", err)) // plain data
	}
	return b
}

func unmarshalAttestations(b []byte) (*attestations, error) {
	var s attestations
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("consensus: decoding attestation state: %w", err)
	}
	return &s, nil
}

func (s *attestations) hashLeaf() []byte {
	h := sha256.Sum256(s.marshal())
	return append([]byte{leafAttest}, h[:]...)
}

// get returns the attestation at nonce, or nil.
func (s *attestations) get(nonce uint64) *chain.Attestation {
	if nonce >= uint64(len(s.Items)) {
		return nil
	}
	return s.Items[nonce]
}

// pending returns the incomplete attestations, lowest nonce first, at most
// max of them.
func (s *attestations) pending(max int) []*chain.Attestation {
	var out []*chain.Attestation
	for _, a := range s.Items {
		if !a.Complete() {
			out = append(out, a)
			if len(out) == max {
				break
			}
		}
	}
	return out
}

// ethValset is the active set's validators that registered an Ethereum
// address, with their CometBFT power, sorted as Blobstream wants.
func ethValset(st *Staking) []blobstream.Validator {
	if st == nil {
		return nil
	}
	byCons := st.byConsAddress()
	var out []blobstream.Validator
	for _, ca := range sortedAddrs(st.Active) {
		v := byCons[ca]
		if v == nil || len(v.EthAddress) != chain.EthAddressSize || st.Active[ca] <= 0 {
			continue
		}
		out = append(out, blobstream.Validator{Address: [20]byte(v.EthAddress), Power: uint64(st.Active[ca])})
	}
	blobstream.SortValidators(out)
	// Two validators may register one Ethereum address: keep the first.
	kept := out[:0]
	seen := map[[20]byte]bool{}
	for _, v := range out {
		if !seen[v.Address] {
			seen[v.Address] = true
			kept = append(kept, v)
		}
	}
	return kept
}

// valsetAttestation builds the attestation installing set at nonce, to be
// signed by signer (nil for the genesis set).
func valsetAttestation(nonce uint64, height int64, set []blobstream.Validator, signer *chain.Attestation) *chain.Attestation {
	hash, _ := blobstream.ValidatorSetHash(set) // set comes from ethValset: sorted, positive, bounded by MaxTotalVotingPower
	th, _ := blobstream.PowerThreshold(set)
	a := &chain.Attestation{Nonce: nonce, Kind: chain.AttestationValset, Height: height, PowerThreshold: th, ValsetHash: hash[:]}
	for _, v := range set {
		a.Valset = append(a.Valset, chain.EthValidator{Address: v.Address[:], Power: v.Power})
	}
	if signer != nil {
		a.SignerNonce, a.SignerThreshold = signer.Nonce, signer.PowerThreshold
	}
	return a
}

// attestationDigest returns the digest the validators sign for a: the
// data-commitment digest or the valset checkpoint (package blobstream).
func attestationDigest(a *chain.Attestation) [32]byte {
	if a.Kind == chain.AttestationValset {
		return blobstream.ValidatorSetCheckpoint(a.Nonce, a.PowerThreshold, [32]byte(a.ValsetHash))
	}
	return blobstream.DataCommitmentDigest(a.Nonce, [32]byte(a.TupleRoot))
}

// signerSet returns the set that signs a (that of a.SignerNonce) as
// blobstream validators.
func signerSet(s *attestations, a *chain.Attestation) []blobstream.Validator {
	signer := s.get(a.SignerNonce)
	if signer == nil {
		return nil
	}
	out := make([]blobstream.Validator, len(signer.Valset))
	for i, v := range signer.Valset {
		out[i] = blobstream.Validator{Address: [20]byte(v.Address), Power: v.Power}
	}
	return out
}

// endBlock records height's data root; at the end of a window it adds the
// window's data commitment, signed by the last attested set. Then, at any
// height, if the Ethereum set moved by more than ValsetChangeBps from the
// last attested one, it adds a valset attestation signed by that outgoing
// set: at once, in the block that decided the change, because validators
// that left stop voting (so stop signing) two heights later, and a set
// whose signers left before signing could never be replaced. It changes s
// in place.
func (s *attestations) endBlock(height int64, dataRoot []byte, st *Staking) error {
	if len(s.Items) == 0 || height < 1 {
		return nil
	}
	s.Window = append(s.Window, windowTuple{Height: uint64(height), DataRoot: bytes.Clone(dataRoot)})
	signer := s.Items[s.LastValset]
	if uint64(height)%s.Params.DataCommitmentWindow == 0 {
		tuples := make([]blobstream.DataRootTuple, len(s.Window))
		for i, w := range s.Window {
			tuples[i] = blobstream.DataRootTuple{Height: w.Height, DataRoot: [32]byte(w.DataRoot)}
		}
		dc, err := blobstream.NewDataCommitment(tuples)
		if err != nil {
			return fmt.Errorf("consensus: data commitment at height %d: %w", height, err)
		}
		root := dc.Root()
		s.Items = append(s.Items, &chain.Attestation{Nonce: uint64(len(s.Items)), Kind: chain.AttestationDataCommitment,
			Height: height, BeginHeight: dc.BeginHeight(), EndHeight: dc.EndHeight(), TupleRoot: root[:],
			SignerNonce: signer.Nonce, SignerThreshold: signer.PowerThreshold})
		s.Window = nil
	}
	if next := ethValset(st); len(next) > 0 && valsetMoved(signer.Valset, next, s.Params.ValsetChangeBps) {
		a := valsetAttestation(uint64(len(s.Items)), height, next, signer)
		s.Items = append(s.Items, a)
		s.LastValset = a.Nonce
	}
	return nil
}

// valsetMoved reports whether more than bps basis points of normalised
// power moved between old and next: ½ Σ |p_next/P_next − p_old/P_old|.
func valsetMoved(old []chain.EthValidator, next []blobstream.Validator, bps uint64) bool {
	oldP, nextP := new(big.Int), new(big.Int)
	olds := map[string]uint64{}
	for _, v := range old {
		olds[string(v.Address)] += v.Power
		oldP.Add(oldP, new(big.Int).SetUint64(v.Power))
	}
	nexts := map[string]uint64{}
	for _, v := range next {
		nexts[string(v.Address[:])] += v.Power
		nextP.Add(nextP, new(big.Int).SetUint64(v.Power))
	}
	if oldP.Sign() == 0 {
		return true
	}
	diff := new(big.Int)
	term := func(po, pn uint64) {
		a := new(big.Int).Mul(new(big.Int).SetUint64(pn), oldP)
		b := new(big.Int).Mul(new(big.Int).SetUint64(po), nextP)
		diff.Add(diff, new(big.Int).Abs(a.Sub(a, b)))
	}
	for addr, po := range olds {
		term(po, nexts[addr])
	}
	for addr, pn := range nexts {
		if _, ok := olds[addr]; !ok {
			term(0, pn)
		}
	}
	// diff / (2 P_old P_next) > bps / 10000
	lhs := diff.Mul(diff, big.NewInt(10_000))
	rhs := new(big.Int).Mul(oldP, nextP)
	rhs.Mul(rhs, new(big.Int).SetUint64(2*bps))
	return lhs.Cmp(rhs) > 0
}
