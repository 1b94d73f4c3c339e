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
			if err != nil && !errors.Is(err, ErrInvalidParams) {
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
