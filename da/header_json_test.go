package da_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/quadrant-da/quadrant/da"
)

// TestHeaderJSONRoundTrip: a header served as JSON (the light node's
// header.* API) decodes back into a header that verifies, with the
// validators' public keys intact; the canonical encodings agree.
func TestHeaderJSONRoundTrip(t *testing.T) {
	c := buildChain(t, "json", 3)
	hs := c.Headers()
	for i, e := range hs {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{`"header"`, `"commit"`, `"validator_set"`, `"dah"`, `"data_root_tx"`, `"data_root_proof"`, `"pub_key":{"type":`} {
			if !bytes.Contains(b, []byte(key)) {
				t.Fatalf("height %d: JSON lacks %s: %s", e.Height(), key, b)
			}
		}
		var got da.ExtendedHeader
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("height %d: %v", e.Height(), err)
		}
		if err := got.Validate(c.ChainID); err != nil {
			t.Fatalf("height %d: decoded header does not validate: %v", e.Height(), err)
		}
		want, _ := e.Marshal()
		have, _ := got.Marshal()
		if !bytes.Equal(want, have) {
			t.Fatalf("height %d: canonical encodings differ after a JSON round trip", e.Height())
		}

		lb, err := json.Marshal(e.Light())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(lb, []byte(`"dah"`)) {
			t.Fatalf("light header JSON carries a dah: %s", lb)
		}
		var l da.LightHeader
		if err := json.Unmarshal(lb, &l); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			if err := l.Verify(hs[i-1].Light()); err != nil {
				t.Fatalf("height %d: decoded light header does not verify: %v", e.Height(), err)
			}
		}
		if !bytes.Equal(l.DataRoot(), e.DataRoot()) {
			t.Fatal("data root changed in the JSON round trip")
		}
		// A light header is not an extended header.
		var ext da.ExtendedHeader
		if err := json.Unmarshal(lb, &ext); err == nil || !strings.Contains(err.Error(), "dah is required") {
			t.Fatalf("light JSON decoded as extended header: %v", err)
		}
	}
}

func TestHeaderJSONErrors(t *testing.T) {
	for _, in := range []string{`null`, `{}`, `[]`, `{"header":{},"commit":{}}`, `{"header":1,"commit":{},"validator_set":{}}`} {
		var l da.LightHeader
		if err := json.Unmarshal([]byte(in), &l); err == nil {
			t.Errorf("%s decoded without error", in)
		}
	}
	var l da.LightHeader
	if _, err := json.Marshal(&l); err == nil {
		t.Error("an empty header encoded without error")
	}
}

func FuzzHeaderJSON(f *testing.F) {
	c := buildChain(f, "fj", 2)
	for _, e := range c.Headers() {
		b, _ := json.Marshal(e)
		f.Add(b)
		lb, _ := json.Marshal(e.Light())
		f.Add(lb)
	}
	f.Add([]byte(`{"header":{},"commit":{},"validator_set":{"validators":[{}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e da.ExtendedHeader
		if json.Unmarshal(b, &e) == nil {
			_ = e.Validate(c.ChainID)
			_ = e.Verify(c.Headers()[0].Light())
		}
		var l da.LightHeader
		if json.Unmarshal(b, &l) == nil {
			_ = l.Validate(c.ChainID)
			_ = l.Verify(c.Headers()[0].Light())
		}
	})
}
