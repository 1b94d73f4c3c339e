package rollupadapter

import (
	"encoding/json"
	"reflect"
	"testing"
)

// blobJSONCases are submitted-blob parameters: the shapes clients send (the
// fast path) and ones that must fall back to encoding/json.
var blobJSONCases = []string{
	`[]`,
	` [ ] `,
	`[{"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=","data":"aGVsbG8=","share_version":0,"commitment":"AQI=","index":-1}]`,
	`[{"namespace":"AAE=","data":"","share_version":1,"commitment":null,"index":-1},{"data":"eA==","signer":"AQID"}]`,
	"[\n  {\"data\" : \"aGk=\" ,\n \"index\": 7 }\n]",
	`[{}]`,
	`[{"Data":"aGk="}]`,                     // other spelling: encoding/json matches it
	`[{"data":"aGk=","extra":1}]`,           // unknown key: ignored
	`[{"data":"a\u0047k="}]`,                // escape
	`[{"data":"aGk=","index":1e2}]`,         // exponent: refused by both
	`[{"data":"aGk=","share_version":256}]`, // overflow: refused by both
	`[{"data":"aGk=","share_version":-1}]`,
	`[{"data":"!!!"}]`, // bad base64: refused by both
	`null`,
	`[null]`,
	`[{"data":"aGk="},{"data":"aGk="}]`,
	`[{"data":"aGk=","data":"eA=="}]`, // duplicate key: the last wins
}

// TestDecodeBlobsMatchesEncodingJSON: decodeBlobs gives what encoding/json
// gives, value or refusal, on every case.
func TestDecodeBlobsMatchesEncodingJSON(t *testing.T) {
	for _, in := range blobJSONCases {
		checkDecodeBlobs(t, []byte(in))
	}
}

func checkDecodeBlobs(t *testing.T, in []byte) {
	t.Helper()
	var want []*Blob
	werr := json.Unmarshal(in, &want)
	got, gerr := decodeBlobs(in)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: encoding/json err %v, decodeBlobs err %v", in, werr, gerr)
	}
	if werr == nil && !reflect.DeepEqual(got, want) {
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		t.Fatalf("%q: decodeBlobs %s, encoding/json %s", in, gj, wj)
	}
}

// FuzzDecodeBlobs: on any valid JSON (go-jsonrpc checks the parameters
// before decoding them), decodeBlobs agrees with encoding/json.
func FuzzDecodeBlobs(f *testing.F) {
	for _, in := range blobJSONCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !json.Valid(in) {
			return
		}
		checkDecodeBlobs(t, in)
	})
}
