package chain

import (
	"errors"
	"testing"

	"github.com/quadrant-da/quadrant/blobs"
)

func TestParamsValidate(t *testing.T) {
	mod := func(f func(p *Params)) Params { p := DefaultParams(); f(&p); return p }
	tests := []struct {
		name    string
		params  Params
		wantErr bool
	}{
		{"default", DefaultParams(), false},
		{"k=1", mod(func(p *Params) { p.MaxSquareSize = 1 }), false},
		{"k=256", mod(func(p *Params) { p.MaxSquareSize = 256 }), false},
		{"k=0", mod(func(p *Params) { p.MaxSquareSize = 0 }), true},
		{"k=512", mod(func(p *Params) { p.MaxSquareSize = 512 }), true},
		{"k=96 not a power of two", mod(func(p *Params) { p.MaxSquareSize = 96 }), true},
		{"k negative", mod(func(p *Params) { p.MaxSquareSize = -128 }), true},
		{"gas per byte too large", mod(func(p *Params) { p.GasPerBlobByte = 1<<20 + 1 }), true},
		{"fixed gas too large", mod(func(p *Params) { p.FixedTxGas = 1<<40 + 1 }), true},
		{"negative max tx bytes", mod(func(p *Params) { p.MaxTxBytes = -1 }), true},
		{"zero min gas price is allowed", mod(func(p *Params) { p.MinGasPrice = 0 }), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.params.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, errInvalidParams) {
				t.Fatalf("error %v does not wrap ErrInvalidParams", err)
			}
		})
	}
}

func TestParamsDerivedSizes(t *testing.T) {
	for _, k := range []int{1, 2, 8, 64, 128, 256} {
		p := DefaultParams()
		p.MaxSquareSize = k
		if got, want := p.MaxBlobSize(), blobs.MaxBlobSize(k, 1); got != want {
			t.Errorf("k=%d: MaxBlobSize() = %d, want blobs.MaxBlobSize(k, 1) = %d", k, got, want)
		}
		if k > 1 && p.MaxBlobSize() <= 0 { // a 1×1 square has no room next to the pay-for-blobs
			t.Errorf("k=%d: MaxBlobSize() = %d, want > 0", k, p.MaxBlobSize())
		}
		if got := p.TxSizeLimit(); got <= p.MaxBlobSize() {
			t.Errorf("k=%d: TxSizeLimit() = %d, want more than MaxBlobSize %d", k, got, p.MaxBlobSize())
		}
		p.MaxTxBytes = 1000
		if got := p.TxSizeLimit(); got != 1000 {
			t.Errorf("k=%d: TxSizeLimit() with MaxTxBytes=1000 = %d", k, got)
		}
	}
	// k=128 holds about 7.5 MiB of blob payload, k=256 about 30 MiB.
	p := DefaultParams()
	if got := p.MaxBlobSize(); got < 7<<20 || got > 8<<20 {
		t.Errorf("k=128 MaxBlobSize = %d, want ≈ 7.5 MiB", got)
	}
	p.MaxSquareSize = 256
	if got := p.MaxBlobSize(); got < 29<<20 || got > 31<<20 {
		t.Errorf("k=256 MaxBlobSize = %d, want ≈ 30 MiB", got)
	}
}

func TestStakingParamsValidate(t *testing.T) {
	mod := func(f func(p *StakingParams)) StakingParams { p := DefaultStakingParams(); f(&p); return p }
	for _, tt := range []struct {
		name    string
		p       StakingParams
		wantErr bool
	}{
		{"default", DefaultStakingParams(), false},
		{"power reduction under 16", mod(func(p *StakingParams) { p.PowerReduction, p.MinSelfBond = 15, 15 }), true},
		{"self-bond under one power", mod(func(p *StakingParams) { p.MinSelfBond = p.PowerReduction - 1 }), true},
		{"no validators", mod(func(p *StakingParams) { p.MaxValidators = 0 }), true},
		{"slash over 100 %", mod(func(p *StakingParams) { p.SlashDoubleSignBps = BasisPoints + 1 }), true},
		{"zero missed threshold", mod(func(p *StakingParams) { p.MaxMissedBps = 0 }), true},
		{"empty window", mod(func(p *StakingParams) { p.SignedBlocksWindow = 0 }), true},
		{"huge window", mod(func(p *StakingParams) { p.SignedBlocksWindow = 1<<16 + 1 }), true},
		{"unbonding over 100 years", mod(func(p *StakingParams) { p.UnbondingSeconds = 101 * 365 * 24 * 3600 }), true},
		{"instant unbonding is allowed", mod(func(p *StakingParams) { p.UnbondingSeconds = 0 }), false},
	} {
		err := tt.p.Validate()
		if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, errInvalidStakingParams)) {
			t.Errorf("%s: Validate() = %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
}
