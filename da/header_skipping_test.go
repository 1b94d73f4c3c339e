package da_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
)

// strangerHeader returns the header at height 3 of a chain signed by n
// validators of the stranger's own, none of them trusted by buildChain's
// chains. With broken set, every signature of its commit is corrupted.
func strangerHeader(t testing.TB, n int, broken bool) *da.LightHeader {
	t.Helper()
	c := headertest.NewChain("quadrant-test", n, "stranger")
	var h *da.ExtendedHeader
	for range 3 {
		var err error
		if h, err = c.Next(headertest.FakeDAH(4, "stranger"), []byte("user tx")); err != nil {
			t.Fatal(err)
		}
	}
	if broken {
		for _, s := range h.SignedHeader.Commit.Signatures {
			s.Signature[0] ^= 0xff
		}
	}
	return h.Light()
}

// TestVerifySkippingChecksTrustFirst: a far-ahead header signed by a
// stranger's set is refused because no trusted validator signed it
// (ErrHeaderNotAdjacent) before any of its own signatures is checked: its
// commit here is forged throughout, which the own-set check would report
// as ErrHeader.
func TestVerifySkippingChecksTrustFirst(t *testing.T) {
	trusted := buildChain(t, "s", 1).Headers()[0].Light()
	for _, n := range []int{4, 100} {
		h := strangerHeader(t, n, true)
		err := h.VerifySkipping(trusted, da.DefaultTrustLevel())
		if !errors.Is(err, da.ErrHeaderNotAdjacent) || errors.Is(err, da.ErrHeader) {
			t.Fatalf("%d strangers: %v, want ErrHeaderNotAdjacent from the trust check (not ErrHeader from the own-set check)", n, err)
		}
		// The own-set check is still made: the same commit fails Validate.
		if err := h.Validate("quadrant-test"); !errors.Is(err, da.ErrHeader) {
			t.Fatalf("%d strangers: Validate of a forged commit = %v, want ErrHeader", n, err)
		}
	}
}

// BenchmarkVerifySkipping compares verifying by skipping a header the
// trusted set of 4 signed (the honest case) with refusing one signed by a
// stranger's set of n validators (an attacker's): the refusal costs the
// trust check only, whatever n.
func BenchmarkVerifySkipping(b *testing.B) {
	c := buildChain(b, "s", 6)
	trusted, honest := c.Headers()[0].Light(), c.Headers()[5].Light()
	b.Run("honest/vals=4", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := honest.VerifySkipping(trusted, da.DefaultTrustLevel()); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, n := range []int{100, da.MaxValidators} {
		h := strangerHeader(b, n, false)
		b.Run(fmt.Sprintf("stranger/vals=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := h.VerifySkipping(trusted, da.DefaultTrustLevel()); !errors.Is(err, da.ErrHeaderNotAdjacent) {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestVerifyAhead: a far-ahead header of the trusted chain verifies; one
// signed by a stranger's set is refused as not following the trusted
// header (ErrHeaderNotAdjacent, before any of its signatures is checked),
// as is one not ahead; one claiming the trusted set without its signatures
// is invalid (ErrHeader); an adjacent one is checked by Verify.
func TestVerifyAhead(t *testing.T) {
	hs := buildChain(t, "s", 6).Headers()
	trusted := hs[0].Light()
	if err := hs[5].Light().VerifyAhead(trusted); err != nil {
		t.Fatalf("1 -> 6: %v", err)
	}
	if err := hs[1].Light().VerifyAhead(trusted); err != nil {
		t.Fatalf("adjacent: %v", err)
	}
	stranger := strangerHeader(t, 4, true)
	if err := stranger.VerifyAhead(trusted); !errors.Is(err, da.ErrHeaderNotAdjacent) || errors.Is(err, da.ErrHeader) {
		t.Fatalf("stranger's set: %v, want ErrHeaderNotAdjacent only", err)
	}
	if err := hs[0].Light().VerifyAhead(hs[3].Light()); !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("backwards: %v", err)
	}
	b, _ := strangerHeader(t, 4, false).Marshal()
	claims, _ := da.UnmarshalLightHeader(b)
	claims.SignedHeader.ValidatorsHash = trusted.SignedHeader.NextValidatorsHash
	if err := claims.VerifyAhead(trusted); !errors.Is(err, da.ErrHeader) {
		t.Fatalf("stranger claiming the trusted set: %v, want ErrHeader", err)
	}
	b, _ = hs[2].Light().Marshal()
	relinked, _ := da.UnmarshalLightHeader(b)
	relinked.SignedHeader.LastBlockID = hs[0].SignedHeader.Commit.BlockID
	if err := relinked.VerifyAhead(hs[1].Light()); !errors.Is(err, da.ErrHeaderNotAdjacent) {
		t.Fatalf("adjacent with a wrong last block ID: %v, want Verify's ErrHeaderNotAdjacent", err)
	}
}
