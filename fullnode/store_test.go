package fullnode

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/da/headertest"
	"github.com/quadrant-da/quadrant/erasure"
	"github.com/quadrant-da/quadrant/p2p"
)

var discardLog = slog.New(slog.NewTextHandler(io.Discard, nil))

type testBlock struct {
	hdr *da.ExtendedHeader
	eds *erasure.ExtendedSquare
}

// testChain returns one signed block per k in ks (deterministic).
func testChain(t testing.TB, ks ...int) []testBlock {
	t.Helper()
	c := headertest.NewChain("store-test", 4, "store")
	var out []testBlock
	for i, k := range ks {
		eds := headertest.ExtendedSquare(k, byte(i+1))
		h, err := c.NextSquare(eds)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testBlock{hdr: h, eds: eds})
	}
	return out
}

func openTestStore(t testing.TB, dir string, cfg StoreConfig) *Store {
	t.Helper()
	s, err := OpenStore(dir, cfg, discardLog)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreServesWhatDAComputes(t *testing.T) {
	ctx := context.Background()
	blocks := testChain(t, 1, 4, 8)
	dir := t.TempDir()
	s := openTestStore(t, dir, DefaultStoreConfig())
	for _, b := range blocks {
		if err := s.Put(ctx, b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, b.hdr, b.eds); err != nil { // idempotent
			t.Fatal(err)
		}
	}
	for i, b := range blocks {
		height := uint64(i + 1)
		w := b.eds.Width()
		var coords []p2p.Coord
		for r := 0; r < w; r++ {
			for c := 0; c < w; c++ {
				coords = append(coords, p2p.Coord{Row: r, Col: c, Axis: erasure.Axis((r + c) % 2)})
			}
		}
		for len(coords) > 0 { // batches as the protocol sends them
			n := min(len(coords), p2p.MaxSampleCoords)
			got, err := s.Samples(ctx, height, coords[:n])
			if err != nil {
				t.Fatal(err)
			}
			for j, co := range coords[:n] {
				idx := co.Row
				if co.Axis == erasure.Col {
					idx = co.Col
				}
				want, err := da.NewSample(b.hdr.DAH, co.Axis, co.Row, co.Col, b.eds.Axis(co.Axis, idx))
				if err != nil {
					t.Fatal(err)
				}
				wb, _ := want.Marshal()
				gb, err := got[j].Marshal()
				if err != nil || !bytes.Equal(wb, gb) {
					t.Fatalf("height %d sample %+v differs from da.NewSample (err %v)", height, co, err)
				}
				if err := got[j].Verify(b.hdr.DataRoot(), w); err != nil {
					t.Fatalf("height %d sample %+v: %v", height, co, err)
				}
			}
			coords = coords[n:]
		}
		for _, axis := range []erasure.Axis{erasure.Row, erasure.Col} {
			for idx := 0; idx < w; idx++ {
				for half := 0; half < 2; half++ {
					got, err := s.HalfAxis(ctx, height, axis, idx, half)
					if err != nil {
						t.Fatal(err)
					}
					want := b.eds.Axis(axis, idx)[half*w/2 : (half+1)*w/2]
					for j := range want {
						if !bytes.Equal(got[j], want[j]) {
							t.Fatalf("height %d axis %d %d half %d differs", height, axis, idx, half)
						}
					}
				}
			}
		}
		k, orig, err := s.OriginalSquare(ctx, height)
		if err != nil || k != w/2 || !bytes.Equal(orig, b.eds.Original()) {
			t.Fatalf("height %d original square differs (err %v)", height, err)
		}
		sq, err := s.Square(ctx, height)
		if err != nil || !sq.Equal(b.eds) {
			t.Fatalf("height %d square differs (err %v)", height, err)
		}
		for _, sub := range [][]byte{{byte(i + 1), 0, 0}, {byte(i + 1), 0, 2}, {byte(i + 1), 0, 200}} {
			ns, _ := da.NewNamespaceV0(sub)
			d, err := s.NamespaceData(ctx, height, ns)
			if err != nil {
				t.Fatal(err)
			}
			if err := p2p.VerifyNamespaceData(b.hdr.DAH, ns, d); err != nil {
				t.Fatalf("height %d namespace %x: %v", height, sub, err)
			}
		}
	}
	if _, err := s.Samples(ctx, 2, []p2p.Coord{{Row: 8}}); !errors.Is(err, p2p.ErrInvalidRequest) {
		t.Fatalf("coordinate outside the square: %v", err)
	}
	if _, err := s.Samples(ctx, 9, []p2p.Coord{{}}); !errors.Is(err, p2p.ErrNotFound) {
		t.Fatalf("missing height: %v", err)
	}

	// Everything survives a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestStore(t, dir, DefaultStoreConfig())
	defer s.Close()
	if s.HeadHeight() != 3 || s.TailHeight() != 1 {
		t.Fatalf("head %d tail %d after reopen, want 3 and 1", s.HeadHeight(), s.TailHeight())
	}
	h, err := s.HeaderByHash(ctx, blocks[1].hdr.Hash())
	if err != nil || h.Height() != 2 {
		t.Fatalf("by hash: %v", err)
	}
	head, err := s.Head(ctx)
	if err != nil || !bytes.Equal(head.Hash(), blocks[2].hdr.Hash()) {
		t.Fatalf("head: %v", err)
	}
}

// TestStoreHeadChanged: the channel taken before a Put that raises the
// head is closed by it; one taken after is not closed by a Put that stores
// nothing new.
func TestStoreHeadChanged(t *testing.T) {
	ctx := context.Background()
	blocks := testChain(t, 1, 2)
	s := openTestStore(t, t.TempDir(), DefaultStoreConfig())
	defer s.Close()
	ch := s.HeadChanged()
	if err := s.Put(ctx, blocks[0].hdr, blocks[0].eds); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ch:
	default:
		t.Fatal("HeadChanged not closed after the head rose to 1")
	}
	ch = s.HeadChanged()
	if err := s.Put(ctx, blocks[0].hdr, blocks[0].eds); err != nil { // already stored
		t.Fatal(err)
	}
	select {
	case <-ch:
		t.Fatal("HeadChanged closed though the head did not rise")
	default:
	}
	if err := s.Put(ctx, blocks[1].hdr, blocks[1].eds); err != nil {
		t.Fatal(err)
	}
	if _, open := <-ch; open || s.HeadHeight() != 2 {
		t.Fatalf("after storing height 2: head %d", s.HeadHeight())
	}
}

func TestStoreRefusesMismatchedSquare(t *testing.T) {
	blocks := testChain(t, 4, 4)
	s := openTestStore(t, t.TempDir(), DefaultStoreConfig())
	defer s.Close()
	if err := s.Put(context.Background(), blocks[0].hdr, blocks[1].eds); !errors.Is(err, errSquareMismatch) {
		t.Fatalf("err = %v, want ErrSquareMismatch", err)
	}
	if ok, _ := s.Has(context.Background(), 1); ok || s.HeadHeight() != 0 {
		t.Fatal("mismatched square stored")
	}
}

// TestStoreIgnoresIncompleteHeight writes a height's data without its
// completion marker (what a non-atomic writer killed mid-way would leave):
// it is never served, and a later Put completes it.
func TestStoreIgnoresIncompleteHeight(t *testing.T) {
	ctx := context.Background()
	blocks := testChain(t, 4)
	s := openTestStore(t, t.TempDir(), DefaultStoreConfig())
	defer s.Close()
	hb, _ := blocks[0].hdr.Marshal()
	for r := 0; r < 8; r++ {
		if err := s.ds.Put(ctx, keyChunk(1, r, 0), blocks[0].eds.RowBytes(r)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ds.Put(ctx, keyHeader(1), hb); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HeaderByHeight(ctx, 1); !errors.Is(err, p2p.ErrNotFound) {
		t.Fatalf("incomplete height served: %v", err)
	}
	if _, err := s.Samples(ctx, 1, []p2p.Coord{{}}); !errors.Is(err, p2p.ErrNotFound) {
		t.Fatalf("incomplete height sampled: %v", err)
	}
	if err := s.Put(ctx, blocks[0].hdr, blocks[0].eds); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Samples(ctx, 1, []p2p.Coord{{Row: 7, Col: 7}}); err != nil {
		t.Fatal(err)
	}
}

func TestStorePruneKeepsWindow(t *testing.T) {
	ctx := context.Background()
	blocks := testChain(t, 2, 2, 2, 2, 2)
	cfg := DefaultStoreConfig()
	cfg.Retention = 10 * time.Second
	s := openTestStore(t, t.TempDir(), cfg)
	defer s.Close()
	for _, b := range blocks {
		if err := s.Put(ctx, b.hdr, b.eds); err != nil {
			t.Fatal(err)
		}
	}
	// Height h has time Genesis + h s; the window starts at now − 10 s.
	now := headertest.Genesis().Add(13 * time.Second)
	n, err := s.Prune(ctx, now)
	if err != nil || n != 2 {
		t.Fatalf("pruned %d (err %v), want heights 1 and 2", n, err)
	}
	for h := uint64(1); h <= 5; h++ {
		ok, _ := s.Has(ctx, h)
		if ok != (h >= 3) {
			t.Fatalf("height %d present = %v after pruning", h, ok)
		}
	}
	if rows, _ := s.ds.Has(ctx, keyChunk(1, 0, 0)); rows {
		t.Fatal("pruned height left its rows behind")
	}
	if hh, _ := s.ds.Has(ctx, keyHash(blocks[0].hdr.Hash())); hh {
		t.Fatal("pruned height left its hash index behind")
	}
	if s.TailHeight() != 3 {
		t.Fatalf("tail %d, want 3", s.TailHeight())
	}
	// Nothing inside the window goes, however often Prune runs.
	if n, _ := s.Prune(ctx, now); n != 0 {
		t.Fatalf("second prune removed %d heights", n)
	}
	// Far in the future everything but the head goes.
	if n, err := s.Prune(ctx, now.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("pruned %d (err %v), want 2", n, err)
	}
	if ok, _ := s.Has(ctx, 5); !ok || s.TailHeight() != 5 {
		t.Fatal("head pruned")
	}
}
