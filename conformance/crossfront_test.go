package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	cdkclient "github.com/0xPolygon/cdk-data-availability/client"
	cdktypes "github.com/0xPolygon/cdk-data-availability/types"
	"github.com/celestiaorg/go-square/v3/share"
	"github.com/celestiaorg/nmt/namespace"
	altda "github.com/ethereum-optimism/optimism/op-alt-da"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	blobrpc "github.com/evstack/ev-node/pkg/da/jsonrpc"
	"github.com/filecoin-project/go-jsonrpc"
	"github.com/quadrant-da/quadrant/blobs"
	"github.com/quadrant-da/quadrant/da"
	"github.com/quadrant-da/quadrant/internal/wait"
	rollupadapter "github.com/quadrant-da/quadrant/rollup-adapter"
	"github.com/quadrant-da/quadrant/rpc"
	"github.com/quadrant-da/quadrant/sampling"
	godajsonrpc "github.com/rollkit/go-da/proxy/jsonrpc"
)

// TestCrossFrontEnd is issue 7's "what must be shown": a blob posted through
// any front-end (Celestia-style blob.Submit, go-da Submit, OP Alt-DA puts
// under a generic and under a keccak commitment, a CDK DAC sequence) reads
// back byte for byte through every other front-end that can name it, and its
// inclusion proofs — as each front-end serves them — verify against the data
// root of its height as the devnet's light node saw it after sampling that
// height, while the same proofs reject tampered data.
func TestCrossFrontEnd(t *testing.T) {
	d := need(t)
	if d.lightRPC == "" {
		t.Fatal("TestMain did not record the light node's RPC address")
	}
	ctx := ctxFor(t, 10*time.Minute)
	x := newCrossFront(ctx, t, d)
	run := fmt.Sprintf("%d", time.Now().UnixNano()) // Alt-DA and the DAC post equal data once: keep it unique
	custom := mustNS(t, share.MustNewV0Namespace([]byte("xfront")).Bytes())
	payload := func(front string) []byte {
		return bytes.Repeat([]byte(front+" "+run+" "), 150) // a few shares, spanning rows of small squares
	}

	t.Run("celestia", func(t *testing.T) {
		for _, ns := range []da.Namespace{x.defNS, custom} {
			data := payload("celestia/" + ns.String())
			b, err := blobrpc.NewBlobV0(libNS(t, ns), data)
			if err != nil {
				t.Fatal(err)
			}
			h, err := x.ev.Blob.Submit(ctx, []*blobrpc.Blob{b}, &blobrpc.SubmitOptions{})
			if err != nil {
				t.Fatalf("blob.Submit: %v", err)
			}
			x.check(t, posted{ns: ns, data: data, height: h, commitment: b.Commitment})
		}
	})

	t.Run("go-da", func(t *testing.T) {
		for _, nsArg := range [][]byte{nil, custom.Bytes()} {
			data := payload(fmt.Sprintf("go-da/%x", nsArg))
			ids, err := x.goda.DA.Submit(ctx, [][]byte{data}, 0, nsArg)
			if err != nil || len(ids) != 1 {
				t.Fatalf("go-da Submit: %d ids, %v", len(ids), err)
			}
			h, c, err := rollupadapter.SplitID(ids[0])
			if err != nil {
				t.Fatalf("go-da ID %x: %v", ids[0], err)
			}
			ns := x.defNS // an empty namespace is the adapter's default (README)
			if nsArg != nil {
				ns = custom
			}
			x.check(t, posted{ns: ns, data: data, height: h, commitment: c})
		}
	})

	t.Run("altda-generic", func(t *testing.T) {
		data := payload("altda-generic")
		comm, err := altda.NewDAClient("http://"+d.altda, true, false).SetInput(ctx, data)
		if err != nil {
			t.Fatalf("SetInput: %v", err)
		}
		enc := comm.Encode()
		if len(enc) != 2+8+32 || enc[0] != rollupadapter.AltDAGenericType || enc[1] != rollupadapter.AltDALayerByte {
			t.Fatalf("generic commitment %x, want 0x01 0x51 ‖ go-da ID", enc)
		}
		h, c, err := rollupadapter.SplitID(enc[2:])
		if err != nil {
			t.Fatal(err)
		}
		x.check(t, posted{ns: x.defNS, data: data, height: h, commitment: c, keccak: true})
	})

	// A keccak put answers with no location: find the blob by the share
	// commitment its data must have in the default namespace.
	t.Run("altda-keccak", func(t *testing.T) {
		for _, how := range []string{"client-post", "raw-put"} {
			data := payload("altda-keccak/" + how)
			from := x.head(t)
			switch how {
			case "client-post": // op-alt-da's DAClient in precompute mode: POST /put/0x00<keccak>
				comm, err := altda.NewDAClient("http://"+d.altda, true, true).SetInput(ctx, data)
				if err != nil {
					t.Fatalf("SetInput(keccak): %v", err)
				}
				if want := altda.NewKeccak256Commitment(data).Encode(); !bytes.Equal(comm.Encode(), want) {
					t.Fatalf("keccak commitment %x, want %x", comm.Encode(), want)
				}
			case "raw-put":
				req, err := http.NewRequestWithContext(ctx, http.MethodPut, fmt.Sprintf("http://%s/put/0x00%x", d.altda, crypto.Keccak256(data)), bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("PUT /put/0x00<keccak>: %s %s", resp.Status, body)
				}
			}
			c := x.commitment(t, x.defNS, data)
			x.check(t, posted{ns: x.defNS, data: data, height: x.find(t, x.defNS, c, from), commitment: c, keccak: true})
		}
	})

	t.Run("dac", func(t *testing.T) {
		seqKey, err := crypto.HexToECDSA(strings.TrimPrefix(d.file(t, "dac/sequencer.key"), "0x"))
		if err != nil {
			t.Fatal(err)
		}
		data := payload("dac")
		ss := cdktypes.SignedSequence{Sequence: cdktypes.Sequence{data}}
		if ss.Signature, err = ss.Sign(seqKey); err != nil {
			t.Fatal(err)
		}
		if _, err := cdkclient.New("http://"+d.dac).SignSequence(ctx, ss); err != nil {
			t.Fatalf("SignSequence: %v", err)
		}
		cert := x.certificate(t, crypto.Keccak256Hash(data))
		ns := mustNS(t, cert.Namespace)
		if ns != x.defNS {
			t.Fatalf("DAC posted to namespace %s, want the adapter's default %s", ns, x.defNS)
		}
		p := posted{ns: ns, data: data, height: cert.Height, commitment: cert.Commitment, dac: true}
		x.check(t, p)
		// The member's own certificate proves the same blob against the
		// same root the light node sampled.
		root := x.lightRoot(t, p.height)
		if !bytes.Equal(cert.DataRoot, root) {
			t.Fatalf("certificate data root %X, the light node's %X", cert.DataRoot, root)
		}
		if err := cert.Proof.Verify(root, &blobs.Blob{Namespace: ns, Data: data}, cert.Commitment); err != nil {
			t.Fatalf("certificate proof: %v", err)
		}
		if cert.Proof.Verify(root, &blobs.Blob{Namespace: ns, Data: tamper(data)}, nil) == nil {
			t.Fatal("certificate proof accepts tampered data")
		}
	})
}

// posted is one blob and where the front-end it went through put it.
type posted struct {
	ns         da.Namespace
	data       []byte
	height     uint64
	commitment []byte
	keccak     bool // Alt-DA serves it under 0x00‖keccak256(data)
	dac        bool // the DAC member serves it by keccak256(data)
}

type crossFront struct {
	ctx   context.Context
	d     *devnet
	defNS da.Namespace
	ev    *blobrpc.Client
	goda  *godajsonrpc.Client
	blob  rollupadapter.BlobAPI // Quadrant's own types, for the full commitment proof
	altda *altda.DAClient
	dac   cdkclient.Client
	light struct {
		header struct {
			Internal struct {
				GetByHeight func(context.Context, uint64) (json.RawMessage, error)
			}
		}
		das struct {
			Internal struct {
				SamplingStats func(context.Context) (sampling.Stats, error)
				Verdicts      func(context.Context) ([]sampling.Verdict, error)
			}
		}
	}
	verdicts map[uint64]sampling.Verdict // every verdict seen from the light node
}

func newCrossFront(ctx context.Context, t *testing.T, d *devnet) *crossFront {
	t.Helper()
	x := &crossFront{ctx: ctx, d: d, defNS: rollupadapter.DefaultConfig().DefaultNamespace,
		altda: altda.NewDAClient("http://"+d.altda, true, false), dac: cdkclient.New("http://" + d.dac),
		verdicts: map[uint64]sampling.Verdict{}}
	var err error
	// ev-node's and go-da's clients both post, so they hold the write token.
	if x.ev, err = blobrpc.NewClient(ctx, "http://"+d.rpcAddr, d.token(t, "write"), ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.ev.Close)
	if x.goda, err = godajsonrpc.NewClient(ctx, "http://"+d.rpcAddr, d.token(t, "write")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(x.goda.Close)
	x.jsonrpc(t, "http://"+d.rpcAddr, "blob", d.token(t, "read"), &x.blob.Internal)

	// The light node has its own JWT secret in its home; it writes it when
	// its RPC starts, which may be after the bridge is healthy.
	secretPath := filepath.Join(d.home, "light", rpc.SecretFile)
	if err := wait.Until(2*time.Minute, "the light node's RPC and secret", func() (bool, error) {
		resp, err := http.Get("http://" + d.lightRPC + "/health")
		if err != nil {
			return false, err
		}
		resp.Body.Close()
		if _, serr := os.Stat(secretPath); resp.StatusCode == http.StatusOK && serr == nil {
			return true, nil
		}
		return false, fmt.Errorf("light node health %s", resp.Status)
	}); err != nil {
		t.Fatalf("light node at %s not up: %v", d.lightRPC, err)
	}
	secret, err := rpc.LoadOrCreateSecret(secretPath)
	if err != nil {
		t.Fatal(err)
	}
	perms, err := rpc.PermsForLevel("read")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := rpc.NewToken(secret, perms, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	x.jsonrpc(t, "http://"+d.lightRPC, "header", tok, &x.light.header.Internal)
	x.jsonrpc(t, "http://"+d.lightRPC, "das", tok, &x.light.das.Internal)
	return x
}

func (x *crossFront) jsonrpc(t *testing.T, url, ns, token string, internal any) {
	t.Helper()
	hdr := http.Header{"Authorization": []string{"Bearer " + token}}
	closer, err := jsonrpc.NewMergeClient(x.ctx, url, ns, []any{internal}, hdr, jsonrpc.WithTimeout(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closer)
}

// check reads p back through every front-end that can name it, then checks
// its proofs against the light node's data root.
func (x *crossFront) check(t *testing.T, p posted) {
	t.Helper()
	t.Logf("posted %d bytes at height %d, namespace %s, share commitment %X", len(p.data), p.height, p.ns, p.commitment)
	x.readEverywhere(t, p)
	x.verifyProofs(t, p)
}

func (x *crossFront) readEverywhere(t *testing.T, p posted) {
	t.Helper()
	ctx, ns := x.ctx, libNS(t, p.ns)
	id := rollupadapter.MakeID(p.height, p.commitment)
	same := func(via string, got []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s (height %d): %v", via, p.height, err)
		}
		if !bytes.Equal(got, p.data) {
			t.Fatalf("%s (height %d): %d bytes differing from the %d posted", via, p.height, len(got), len(p.data))
		}
	}

	// Celestia-style: blob.Get and blob.GetAll by (height, namespace, commitment).
	b, err := x.ev.Blob.Get(ctx, p.height, ns, p.commitment)
	if err == nil && !b.EqualCommitment(p.commitment) {
		err = fmt.Errorf("commitment %X, want %X", b.Commitment, p.commitment)
	}
	same("blob.Get", func() []byte {
		if b == nil {
			return nil
		}
		return b.Data()
	}(), err)
	all, err := x.ev.Blob.GetAll(ctx, p.height, []share.Namespace{ns})
	if err != nil {
		t.Fatalf("blob.GetAll: %v", err)
	}
	if i := slices.IndexFunc(all, func(b *blobrpc.Blob) bool { return b.EqualCommitment(p.commitment) }); i < 0 {
		t.Fatalf("blob.GetAll(%d, %s): no blob with commitment %X among %d", p.height, p.ns, p.commitment, len(all))
	} else {
		same("blob.GetAll", all[i].Data(), nil)
	}

	// go-da: Get by ID, with the 29-byte namespace, and with an empty one
	// when the blob is in the default namespace; GetIDs lists the ID.
	nsArgs := [][]byte{p.ns.Bytes()}
	if p.ns == x.defNS {
		nsArgs = append(nsArgs, nil)
	}
	for _, nsArg := range nsArgs {
		got, err := x.goda.DA.Get(ctx, [][]byte{id}, nsArg)
		if err == nil && len(got) != 1 {
			err = fmt.Errorf("%d blobs for one ID", len(got))
		}
		same(fmt.Sprintf("go-da Get(ns %x)", nsArg), func() []byte {
			if len(got) == 0 {
				return nil
			}
			return got[0]
		}(), err)
		ids, err := x.goda.DA.GetIDs(ctx, p.height, nsArg)
		if err != nil || !slices.ContainsFunc(ids.IDs, func(i []byte) bool { return bytes.Equal(i, id) }) {
			t.Fatalf("go-da GetIDs(%d, ns %x) does not list %x: %v", p.height, nsArg, id, err)
		}
	}

	// Alt-DA serves the default namespace only: the generic commitment is
	// 0x01 0x51 ‖ go-da ID; keccak commitments only for what it indexed.
	if p.ns == x.defNS {
		got, err := x.altda.GetInput(ctx, altda.NewGenericCommitment(append([]byte{rollupadapter.AltDALayerByte}, id...)))
		same("Alt-DA GET /get/0x0151…", got, err)
	}
	if p.keccak {
		got, err := x.altda.GetInput(ctx, altda.NewKeccak256Commitment(p.data)) // verifies keccak256 of what it gets
		same("Alt-DA GET /get/0x00<keccak>", got, err)
	}
	if p.dac {
		got, err := x.dac.GetOffChainData(ctx, crypto.Keccak256Hash(p.data))
		same("DAC sync_getOffChainData", got, err)
	}
}

// verifyProofs checks every proof the front-ends serve for p against the
// data root the light node holds for p's height, and that each rejects
// tampered data.
func (x *crossFront) verifyProofs(t *testing.T, p posted) {
	t.Helper()
	ctx, ns := x.ctx, libNS(t, p.ns)
	root := x.lightRoot(t, p.height)
	blob := &blobs.Blob{Namespace: p.ns, Data: p.data}
	bad := &blobs.Blob{Namespace: p.ns, Data: tamper(p.data)}
	badRoot := tamper(root)

	// blob.GetCommitmentProof: Quadrant's complete proof, with and without
	// the data, and the celestia-app row proof of the blob's rows.
	cp, err := x.blob.GetCommitmentProof(ctx, p.height, p.ns.Bytes(), p.commitment)
	if err != nil || cp.QuadrantProof == nil {
		t.Fatalf("blob.GetCommitmentProof: %+v, %v", cp, err)
	}
	if err := cp.QuadrantProof.Verify(root, blob, p.commitment); err != nil {
		t.Fatalf("commitment proof against the light node's root: %v", err)
	}
	if err := cp.QuadrantProof.VerifyCommitment(root, p.ns, p.commitment); err != nil {
		t.Fatalf("commitment proof (no data) against the light node's root: %v", err)
	}
	if cp.QuadrantProof.Verify(root, bad, nil) == nil {
		t.Fatal("commitment proof accepts tampered data")
	}
	if cp.QuadrantProof.VerifyCommitment(badRoot, p.ns, p.commitment) == nil {
		t.Fatal("commitment proof accepts another data root")
	}
	if cp.QuadrantProof.VerifyCommitment(root, p.ns, tamper(p.commitment)) == nil {
		t.Fatal("commitment proof accepts another commitment")
	}
	// The celestia-node form of the same proof (subtree roots, their NMT
	// proofs to the row roots, row roots to the data root).
	if err := cp.Verify(root, p.commitment); err != nil {
		t.Fatalf("celestia-node commitment proof against the light node's root: %v", err)
	}
	if cp.Verify(badRoot, p.commitment) == nil || cp.Verify(root, tamper(p.commitment)) == nil {
		t.Fatal("celestia-node commitment proof accepts another data root or commitment")
	}
	rp := cp.RowProof
	if len(rp.RowRoots) == 0 || len(rp.RowRoots) != len(rp.Proofs) || int(rp.EndRow-rp.StartRow)+1 != len(rp.RowRoots) {
		t.Fatalf("row proof: %d roots, %d proofs, rows %d..%d", len(rp.RowRoots), len(rp.Proofs), rp.StartRow, rp.EndRow)
	}
	rowRoots := make([][]byte, len(rp.RowRoots))
	for i, r := range rp.RowRoots {
		mp := rp.Proofs[i]
		if mp == nil || mp.Index != int64(rp.StartRow)+int64(i) {
			t.Fatalf("row proof %d: %+v, want leaf %d", i, mp, int(rp.StartRow)+i)
		}
		if err := (da.MerkleProof{Index: int(mp.Index), Total: int(mp.Total), Aunts: mp.Aunts}).Verify(root, r); err != nil {
			t.Fatalf("row %d root against the light node's data root: %v", int(rp.StartRow)+i, err)
		}
		rowRoots[i] = r
	}

	// blob.GetProof (as ev-node's client decodes it: celestia nmt proofs),
	// verified with the nmt library against the row roots just proven,
	// over the blob's shares as go-square splits them.
	proof, err := x.ev.Blob.GetProof(ctx, p.height, ns, p.commitment)
	if err != nil || proof == nil || len(*proof) != len(rowRoots) {
		t.Fatalf("blob.GetProof: %v (want one proof per row of %d)", err, len(rowRoots))
	}
	nmtCheck := func(data []byte) error {
		sb, err := share.NewV0Blob(ns, data)
		if err != nil {
			return err
		}
		shares, err := sb.ToShares()
		if err != nil {
			return err
		}
		off := 0
		for i, np := range *proof {
			n := np.End() - np.Start()
			if n <= 0 || off+n > len(shares) {
				return fmt.Errorf("row %d proof covers [%d, %d), %d of %d shares left", i, np.Start(), np.End(), len(shares)-off, len(shares))
			}
			leaves := make([][]byte, n)
			for j := range leaves {
				leaves[j] = shares[off+j].ToBytes()
			}
			if !np.VerifyInclusion(sha256.New(), namespace.ID(ns.Bytes()), leaves, rowRoots[i]) {
				return fmt.Errorf("row %d: nmt inclusion proof does not verify", int(rp.StartRow)+i)
			}
			off += n
		}
		if off != len(shares) {
			return fmt.Errorf("proofs cover %d of %d shares", off, len(shares))
		}
		return nil
	}
	if err := nmtCheck(p.data); err != nil {
		t.Fatalf("blob.GetProof: %v", err)
	}
	if nmtCheck(tamper(p.data)) == nil {
		t.Fatal("blob.GetProof accepts tampered data")
	}
	if ok, err := x.ev.Blob.Included(ctx, p.height, ns, proof, p.commitment); err != nil || !ok {
		t.Fatalf("blob.Included: %v, %v", ok, err)
	}

	// go-da GetProofs: the JSON of the same Quadrant proof; Validate agrees.
	id := rollupadapter.MakeID(p.height, p.commitment)
	proofs, err := x.goda.DA.GetProofs(ctx, [][]byte{id}, p.ns.Bytes())
	if err != nil || len(proofs) != 1 {
		t.Fatalf("go-da GetProofs: %d, %v", len(proofs), err)
	}
	var gp blobs.BlobProof
	if err := json.Unmarshal(proofs[0], &gp); err != nil {
		t.Fatalf("go-da proof: %v", err)
	}
	if err := gp.Verify(root, blob, p.commitment); err != nil {
		t.Fatalf("go-da proof against the light node's root: %v", err)
	}
	if gp.Verify(root, bad, nil) == nil {
		t.Fatal("go-da proof accepts tampered data")
	}
	if ok, err := x.goda.DA.Validate(ctx, [][]byte{id}, proofs, p.ns.Bytes()); err != nil || len(ok) != 1 || !ok[0] {
		t.Fatalf("go-da Validate: %v, %v", ok, err)
	}
}

// lightRoot waits until the light node has sampled height h (its sampled
// chain has reached h, h is not failing, and its verdict for h was
// "available"), then returns the data root of the header it verified for h.
func (x *crossFront) lightRoot(t *testing.T, h uint64) []byte {
	t.Helper()
	var st sampling.Stats // the last stats read, for the timeout's message
	if err := wait.Until(2*time.Minute, fmt.Sprintf("the light node to sample height %d", h), func() (bool, error) {
		var err error
		if st, err = x.light.das.Internal.SamplingStats(x.ctx); err != nil {
			t.Fatalf("das.SamplingStats: %v", err)
		}
		vs, err := x.light.das.Internal.Verdicts(x.ctx)
		if err != nil {
			t.Fatalf("das.Verdicts: %v", err)
		}
		for _, v := range vs {
			for g := v.Height; g <= v.To; g++ {
				x.verdicts[g] = v
			}
		}
		if x.verdicts[h].Status == sampling.StatusUnavailable {
			t.Fatalf("light node found height %d unavailable (stats %+v)", h, st)
		}
		return st.SampledChainHead >= h && st.Failed[h] == 0 && x.verdicts[h].Status == sampling.StatusAvailable, nil
	}); err != nil {
		t.Fatalf("light node has not sampled height %d: stats %+v, verdict %q (%v)", h, st, x.verdicts[h].Status, err)
	}
	raw, err := x.light.header.Internal.GetByHeight(x.ctx, h)
	if err != nil {
		t.Fatalf("light header.GetByHeight(%d): %v", h, err)
	}
	// The light header decodes into da.LightHeader (CometBFT's JSON for the
	// header, commit and validator set) and validates: the validators'
	// signatures, and the data-root tx proven as the block's last tx against
	// DataHash.
	var lh da.LightHeader
	if err := json.Unmarshal(raw, &lh); err != nil {
		t.Fatalf("light header %d: %v", h, err)
	}
	if uint64(lh.Height()) != h {
		t.Fatalf("light header.GetByHeight(%d) returned height %d", h, lh.Height())
	}
	if err := lh.Validate(x.d.chainID); err != nil {
		t.Fatalf("light header %d: %v", h, err)
	}
	tx, err := da.DecodeDataRootTx(lh.DataRootTx)
	if err != nil {
		t.Fatalf("light header %d: %v", h, err)
	}
	// The bridge's header for h (what its proofs are built from) carries the
	// row and column roots whose hash is the root the light node holds.
	bh, err := x.ev.Header.GetByHeight(x.ctx, h)
	if err != nil {
		t.Fatalf("bridge header.GetByHeight(%d): %v", h, err)
	}
	dah, err := da.NewDAHeader(bh.DAH.RowRoots, bh.DAH.ColumnRoots)
	if err != nil {
		t.Fatalf("bridge header %d: %v", h, err)
	}
	if !bytes.Equal(dah.Hash(), tx.DataRoot) {
		t.Fatalf("height %d: the bridge's DA header hashes to %X, the light node's data root is %X", h, dah.Hash(), tx.DataRoot)
	}
	v := x.verdicts[h]
	t.Logf("height %d: light node sampled it available (%d/%d samples, confidence %.6f); data root %X", h, v.Verified, v.Samples, v.Confidence, tx.DataRoot)
	return tx.DataRoot
}

// head returns the adapter's current height.
func (x *crossFront) head(t *testing.T) uint64 {
	t.Helper()
	hdr, err := x.ev.Header.LocalHead(x.ctx)
	if err != nil {
		t.Fatalf("header.LocalHead: %v", err)
	}
	return hdr.Height
}

// commitment returns data's share commitment in ns, computed locally and
// asked of go-da's Commit (they must agree).
func (x *crossFront) commitment(t *testing.T, ns da.Namespace, data []byte) []byte {
	t.Helper()
	c, err := blobs.CreateCommitment(&blobs.Blob{Namespace: ns, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	got, err := x.goda.DA.Commit(x.ctx, [][]byte{data}, ns.Bytes())
	if err != nil || len(got) != 1 || !bytes.Equal(got[0], c) {
		t.Fatalf("go-da Commit: %x, %v; want %X", got, err, c)
	}
	return c
}

// find returns the height, from `from` on, holding a blob of ns with
// commitment c. A front end answers once the blob is included, which may
// be before the node has stored that height (reads of it wait; the local
// head does not), so the scan follows the local head for up to a minute.
func (x *crossFront) find(t *testing.T, ns da.Namespace, c []byte, from uint64) uint64 {
	t.Helper()
	id := func(h uint64) []byte { return rollupadapter.MakeID(h, c) }
	h := max(from, 1) // the next height to scan
	var found uint64
	if err := wait.Until(time.Minute, "the blob's height", func() (bool, error) {
		for to := x.head(t); h <= to; h++ {
			res, err := x.goda.DA.GetIDs(x.ctx, h, ns.Bytes())
			if err != nil {
				t.Fatalf("go-da GetIDs(%d): %v", h, err)
			}
			if slices.ContainsFunc(res.IDs, func(i []byte) bool { return bytes.Equal(i, id(h)) }) {
				found = h
				return true, nil
			}
		}
		return false, nil
	}); err != nil {
		t.Fatalf("no blob with commitment %X in %s at heights %d to %d within a minute", c, ns, from, h-1)
	}
	return found
}

// certificate asks the DAC member for the availability certificate of the
// batch with keccak256 hash.
func (x *crossFront) certificate(t *testing.T, hash common.Hash) *rollupadapter.Certificate {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "quadrant_getCertificate", "params": []any{hash}})
	req, err := http.NewRequestWithContext(x.ctx, http.MethodPost, "http://"+x.d.dac, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Result *rollupadapter.Certificate `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("quadrant_getCertificate: %v", err)
	}
	if out.Error != nil || out.Result == nil || out.Result.Proof == nil {
		t.Fatalf("quadrant_getCertificate: %+v", out.Error)
	}
	return out.Result
}

func mustNS(t *testing.T, b []byte) da.Namespace {
	t.Helper()
	ns, err := da.NamespaceFromBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// tamper returns a copy of b with one bit flipped in its middle.
func tamper(b []byte) []byte {
	out := bytes.Clone(b)
	out[len(out)/2] ^= 0x01
	return out
}

// libNS converts a Quadrant namespace to go-square's.
func libNS(t *testing.T, ns da.Namespace) share.Namespace {
	t.Helper()
	n, err := share.NewNamespaceFromBytes(ns.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
