package conformance

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	cdkclient "github.com/0xPolygon/cdk-data-availability/client"
	cdktypes "github.com/0xPolygon/cdk-data-availability/types"
	libshare "github.com/celestiaorg/go-square/v3/share"
	altda "github.com/ethereum-optimism/optimism/op-alt-da"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	blobrpc "github.com/evstack/ev-node/pkg/da/jsonrpc"
	godajsonrpc "github.com/rollkit/go-da/proxy/jsonrpc"
	godatest "github.com/rollkit/go-da/test"
)

// TestEvNodeClient drives the Celestia-style API with ev-node v1.0.0-rc.1's
// client: Submit → GetAll → Get → GetProof → Included, over HTTP and
// WebSocket, and Subscribe over WebSocket.
func TestEvNodeClient(t *testing.T) {
	d := need(t)
	for _, scheme := range []string{"http", "ws"} {
		t.Run(scheme, func(t *testing.T) {
			ctx := ctxFor(t, 2*time.Minute)
			cl, err := blobrpc.NewClient(ctx, scheme+"://"+d.rpcAddr, d.token(t, "write"), "")
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ns := libshare.MustNewV0Namespace([]byte("evn-" + scheme)) // ≤ 10 bytes
			var sub <-chan *blobrpc.SubscriptionResponse
			if scheme == "ws" {
				if sub, err = cl.Blob.Subscribe(ctx, ns); err != nil {
					t.Fatal(err)
				}
			}
			data := bytes.Repeat([]byte("ev-node rollup block "), 100)
			b, err := blobrpc.NewBlobV0(ns, data)
			if err != nil {
				t.Fatal(err)
			}
			h, err := cl.Blob.Submit(ctx, []*blobrpc.Blob{b}, &blobrpc.SubmitOptions{})
			if err != nil {
				t.Fatal(err)
			}
			all, err := cl.Blob.GetAll(ctx, h, []libshare.Namespace{ns})
			if err != nil || len(all) != 1 || !bytes.Equal(all[0].Data(), data) || !all[0].EqualCommitment(b.Commitment) {
				t.Fatalf("GetAll(%d): %d blobs, %v", h, len(all), err)
			}
			if all[0].Index() < 0 {
				t.Fatalf("blob index %d, want its extended-square share index", all[0].Index())
			}
			got, err := cl.Blob.Get(ctx, h, ns, b.Commitment)
			if err != nil || !bytes.Equal(got.Data(), data) {
				t.Fatalf("Get: %v", err)
			}
			proof, err := cl.Blob.GetProof(ctx, h, ns, b.Commitment)
			if err != nil || len(*proof) == 0 {
				t.Fatalf("GetProof: %v", err)
			}
			ok, err := cl.Blob.Included(ctx, h, ns, proof, b.Commitment)
			if err != nil || !ok {
				t.Fatalf("Included: %v, %v", ok, err)
			}
			hdr, err := cl.Header.GetByHeight(ctx, h)
			if err != nil || hdr.Header.Height != fmt.Sprint(h) || hdr.Time().IsZero() || len(hdr.DAH.RowRoots) == 0 {
				t.Fatalf("header.GetByHeight(%d): %+v, %v", h, hdr, err)
			}
			if _, err := cl.Blob.Get(ctx, h, ns, make([]byte, 32)); err == nil || !strings.Contains(err.Error(), "blob: not found") {
				t.Fatalf("Get(unknown commitment): %v", err)
			}
			if _, err := cl.Blob.GetAll(ctx, h+1_000_000, []libshare.Namespace{ns}); err == nil || !strings.Contains(err.Error(), "given height is from the future") {
				t.Fatalf("GetAll(future height): %v", err)
			}
			if sub != nil {
				for r := range sub {
					if r.Height == h {
						if len(r.Blobs) != 1 || !bytes.Equal(r.Blobs[0].Data(), data) {
							t.Fatalf("subscription at %d: %d blobs", h, len(r.Blobs))
						}
						return
					}
					if r.Height > h {
						t.Fatalf("subscription skipped height %d", h)
					}
				}
				t.Fatal("subscription ended")
			}
		})
	}
}

// TestGoDASuite runs go-da v0.9.0's own test suite through its JSON-RPC
// client.
func TestGoDASuite(t *testing.T) {
	d := need(t)
	cl, err := godajsonrpc.NewClient(ctxFor(t, time.Minute), "http://"+d.rpcAddr, d.token(t, "write"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	godatest.RunDATestSuite(t, &cl.DA)
}

// TestOPAltDA drives the Alt-DA server with op-alt-da's DAClient (generic and
// precomputed keccak commitments) and reads the generic put back through
// go-da (one blob, every front-end).
func TestOPAltDA(t *testing.T) {
	d := need(t)
	ctx := ctxFor(t, 2*time.Minute)
	for _, precompute := range []bool{false, true} {
		cl := altda.NewDAClient("http://"+d.altda, true, precompute)
		input := []byte(fmt.Sprintf("op batch precompute=%v %d", precompute, time.Now().UnixNano()))
		comm, err := cl.SetInput(ctx, input)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cl.GetInput(ctx, comm)
		if err != nil || !bytes.Equal(got, input) {
			t.Fatalf("GetInput(precompute=%v): %q, %v", precompute, got, err)
		}
		if precompute {
			continue
		}
		enc := comm.Encode()
		if len(enc) != 42 || enc[0] != 0x01 || enc[1] != 0x51 {
			t.Fatalf("generic commitment %x, want 0x01 0x51 ‖ LE height ‖ commitment", enc)
		}
		gd, err := godajsonrpc.NewClient(ctx, "http://"+d.rpcAddr, d.token(t, "read"))
		if err != nil {
			t.Fatal(err)
		}
		blobs, err := gd.DA.Get(ctx, [][]byte{enc[2:]}, nil)
		gd.Close()
		if err != nil || !bytes.Equal(blobs[0], input) {
			t.Fatalf("go-da Get of an Alt-DA input (height %d): %v", binary.LittleEndian.Uint64(enc[2:10]), err)
		}
	}
	if _, err := altda.NewDAClient("http://"+d.altda, true, false).GetInput(ctx, altda.NewGenericCommitment(append([]byte{0x51}, make([]byte, 40)...))); err != altda.ErrNotFound {
		t.Fatalf("GetInput(absent): %v, want ErrNotFound", err)
	}
}

// TestCDKCommittee drives the DAC member with cdk-data-availability v0.0.13's
// client, signing sequences with go-ethereum as a CDK sequencer does.
func TestCDKCommittee(t *testing.T) {
	d := need(t)
	ctx := ctxFor(t, 2*time.Minute)
	seqKey, err := crypto.HexToECDSA(strings.TrimPrefix(d.file(t, "dac/sequencer.key"), "0x"))
	if err != nil {
		t.Fatal(err)
	}
	member := common.HexToAddress(d.file(t, "dac/member.address"))
	cl := cdkclient.New("http://" + d.dac)
	batches := cdktypes.Sequence{[]byte("cdk batch 1 " + t.Name()), []byte("cdk batch 2 " + t.Name())}
	ss := cdktypes.SignedSequence{Sequence: batches}
	if ss.Signature, err = ss.Sign(seqKey); err != nil {
		t.Fatal(err)
	}
	sig, err := cl.SignSequence(ctx, ss)
	if err != nil {
		t.Fatal(err)
	}
	check := cdktypes.SignedSequence{Sequence: batches, Signature: sig}
	if signer, err := check.Signer(); err != nil || signer != member {
		t.Fatalf("member signature recovers to %s, %v; want %s", signer, err, member)
	}
	for _, b := range batches {
		got, err := cl.GetOffChainData(ctx, crypto.Keccak256Hash(b))
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("GetOffChainData: %v", err)
		}
	}
	list, err := cl.ListOffChainData(ctx, []common.Hash{crypto.Keccak256Hash(batches[0]), crypto.Keccak256Hash(batches[1])})
	if err != nil || len(list) != 2 {
		t.Fatalf("ListOffChainData: %d, %v", len(list), err)
	}
	st, err := cl.GetStatus(ctx)
	if err != nil || st.KeyCount < 2 {
		t.Fatalf("GetStatus: %+v, %v", st, err)
	}
	// a stranger's sequence is refused
	stranger, _ := crypto.GenerateKey()
	bad := cdktypes.SignedSequence{Sequence: cdktypes.Sequence{[]byte("intruder")}}
	bad.Signature, _ = bad.Sign(stranger)
	if _, err := cl.SignSequence(ctx, bad); err == nil || !strings.Contains(err.Error(), "unauthorized") {
		t.Fatalf("stranger's sequence: %v", err)
	}
}
