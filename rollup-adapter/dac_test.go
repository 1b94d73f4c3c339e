package rollupadapter

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cometbft/cometbft/crypto/ed25519"
	cmttypes "github.com/cometbft/cometbft/types"
	"github.com/ipfs/go-datastore"
	dssync "github.com/ipfs/go-datastore/sync"
)

func ethKey(t *testing.T, b byte) *EthKey {
	t.Helper()
	secret := make([]byte, 32)
	secret[31] = b
	k, err := newEthKey(secret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestEthKeyKnownVector(t *testing.T) {
	// private key 1 has a well-known Ethereum address
	if got := ethKey(t, 1).Address().Hex(); got != "0x7e5f4552091a69125d5dfcb7b8c2659029395bdf" {
		t.Fatalf("address of key 1 = %s", got)
	}
	if got := hex.EncodeToString(Keccak256(nil)); got != "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470" {
		t.Fatalf("keccak256(\"\") = %s", got)
	}
	k := ethKey(t, 7)
	hash := Keccak256([]byte("msg"))
	sig, err := k.Sign(hash)
	if err != nil || len(sig) != 65 || (sig[64] != 27 && sig[64] != 28) {
		t.Fatalf("sign: %x, %v", sig, err)
	}
	if a, err := RecoverEthSigner(hash, sig); err != nil || a != k.Address() {
		t.Fatalf("recover: %s, %v", a.Hex(), err)
	}
	sig[5] ^= 1
	if a, err := RecoverEthSigner(hash, sig); err == nil && a == k.Address() {
		t.Fatal("a tampered signature still recovers the signer")
	}
}

func rpcCall(t *testing.T, url, method string, params ...any) (json.RawMessage, *jsonErr) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *jsonErr        `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r.Result, r.Error
}

func TestDACMember(t *testing.T) {
	tn := network(t)
	seq, member, stranger := ethKey(t, 11), ethKey(t, 12), ethKey(t, 13)
	m, err := NewDACMember(tn.adapter, DACConfig{Sequencer: seq.Address(), Key: member}, dssync.MutexWrap(datastore.NewMapDatastore()), nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(m.Handler())
	defer hs.Close()

	batches := []ArgBytes{[]byte("batch one " + t.Name()), []byte("batch two " + t.Name())}
	ss := SignedSequence{Sequence: batches}
	ss.Signature, _ = stranger.Sign(ss.HashToSign())
	if _, e := rpcCall(t, hs.URL, "datacom_signSequence", ss); e == nil || !strings.Contains(e.Message, "unauthorized") {
		t.Fatalf("sequence from a stranger: %+v, want unauthorized", e)
	}
	if _, e := rpcCall(t, hs.URL, "sync_getOffChainData", ArgBytes(Keccak256(batches[0]))); e == nil {
		t.Fatal("an unauthorized sequence's data was stored")
	}
	ss.Signature, _ = seq.Sign(ss.HashToSign())
	res, e := rpcCall(t, hs.URL, "datacom_signSequence", ss)
	if e != nil {
		t.Fatal(e.Message)
	}
	var sig ArgBytes
	if err := json.Unmarshal(res, &sig); err != nil || len(sig) != 65 {
		t.Fatalf("signature %s: %v", res, err)
	}
	if a, err := RecoverEthSigner(ss.HashToSign(), sig); err != nil || a != member.Address() {
		t.Fatalf("member signature recovers to %s, %v", a.Hex(), err)
	}
	// signing happened after inclusion: the data is on Quadrant now
	for _, b := range batches {
		res, e := rpcCall(t, hs.URL, "sync_getOffChainData", ArgBytes(Keccak256(b)))
		var got ArgBytes
		if e != nil || json.Unmarshal(res, &got) != nil || !bytes.Equal(got, b) {
			t.Fatalf("getOffChainData: %s %+v", res, e)
		}
	}
	res, e = rpcCall(t, hs.URL, "sync_listOffChainData", []ArgBytes{Keccak256(batches[0]), Keccak256([]byte("absent"))})
	var list map[string]ArgBytes
	if e != nil || json.Unmarshal(res, &list) != nil || len(list) != 1 {
		t.Fatalf("listOffChainData: %s %+v", res, e)
	}
	res, e = rpcCall(t, hs.URL, "status_getStatus")
	var st DACStatus
	if e != nil || json.Unmarshal(res, &st) != nil || st.KeyCount != 2 || st.LastSynchronizedBlock == 0 {
		t.Fatalf("status: %s %+v", res, e)
	}

	// Banana sequences
	bs := SignedSequenceBanana{Sequence: SequenceBanana{Batches: []Batch{{L2Data: []byte("banana " + t.Name())}}, MaxSequenceTimestamp: 1234}}
	bs.Signature, _ = seq.Sign(bs.HashToSign())
	res, e = rpcCall(t, hs.URL, "datacom_signSequenceBanana", bs)
	if e != nil || json.Unmarshal(res, &sig) != nil {
		t.Fatalf("banana: %s %+v", res, e)
	}
	if a, err := RecoverEthSigner(bs.HashToSign(), sig); err != nil || a != member.Address() {
		t.Fatalf("banana signature recovers to %s, %v", a.Hex(), err)
	}

	// the availability certificate verifies against the chain's validators
	res, e = rpcCall(t, hs.URL, "quadrant_getCertificate", ArgBytes(Keccak256(batches[1])))
	var cert Certificate
	if e != nil || json.Unmarshal(res, &cert) != nil {
		t.Fatalf("certificate: %+v", e)
	}
	vr, err := tn.chain.Client().Validators(context.Background(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	vals := cmttypes.NewValidatorSet(vr.Validators)
	if err := VerifyCertificate(&cert, "adapter-test", vals, batches[1]); err != nil {
		t.Fatal(err)
	}
	if err := VerifyCertificate(&cert, "adapter-test", vals, batches[0]); err == nil {
		t.Fatal("certificate verified for the wrong data")
	}
	if err := VerifyCertificate(&cert, "other-chain", vals, nil); err == nil {
		t.Fatal("certificate verified for another chain")
	}
	bad := cert
	bad.Commitment = append([]byte(nil), cert.Commitment...)
	bad.Commitment[0] ^= 1
	if err := VerifyCertificate(&bad, "adapter-test", vals, nil); err == nil {
		t.Fatal("certificate with a changed commitment verified")
	}
	checkCertificateTrust(t, &cert, vals)
	if _, e := rpcCall(t, hs.URL, "nope_nope"); e == nil || e.Code != dacMethodNotFound {
		t.Fatalf("unknown method: %+v", e)
	}
}

// checkCertificateTrust: a certificate verifies against a trusted set that
// differs from the signing one as long as more than 1/3 of the trusted
// power signed (the set changed through staking), and not otherwise.
func checkCertificateTrust(t *testing.T, cert *Certificate, vals *cmttypes.ValidatorSet) {
	t.Helper()
	with := func(extraPower int64) *cmttypes.ValidatorSet {
		vs := vals.Copy()
		extra := cmttypes.NewValidator(ed25519.GenPrivKey().PubKey(), extraPower)
		if err := vs.UpdateWithChangeSet([]*cmttypes.Validator{extra}); err != nil {
			t.Fatal(err)
		}
		return vs
	}
	total := vals.TotalVotingPower()
	if err := VerifyCertificate(cert, "adapter-test", with(total/2+1), nil); err != nil {
		t.Fatalf("trusted set where 2/3 of the power signed: %v", err)
	}
	if err := VerifyCertificate(cert, "adapter-test", with(3*total), nil); err == nil {
		t.Fatal("certificate verified against a trusted set of which only 1/4 of the power signed")
	}
	stranger := cmttypes.NewValidatorSet([]*cmttypes.Validator{cmttypes.NewValidator(ed25519.GenPrivKey().PubKey(), 10)})
	if err := VerifyCertificate(cert, "adapter-test", stranger, nil); err == nil {
		t.Fatal("certificate verified against a set none of whose validators signed")
	}
}
