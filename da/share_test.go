package da

import (
	"encoding/binary"
	"errors"
	"testing"
)

func TestShareAccessors(t *testing.T) {
	user, _ := NewNamespaceV0([]byte("app"))
	var s Share
	copy(s[:], user[:])
	info, err := NewInfoByte(ShareVersionOne, true)
	if err != nil {
		t.Fatal(err)
	}
	s[NamespaceSize] = info
	binary.BigEndian.PutUint32(s[NamespaceSize+1:], 1234)
	if s.Namespace() != user || s.Version() != 1 || !s.IsSequenceStart() || s.SequenceLen() != 1234 {
		t.Fatalf("accessors: ns %s v %d start %v len %d", s.Namespace(), s.Version(), s.IsSequenceStart(), s.SequenceLen())
	}
	if s.IsPadding() || s.IsCompact() {
		t.Fatal("blob share classified as padding or compact")
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	// Continuation shares report no sequence length.
	s[NamespaceSize], _ = NewInfoByte(0, false)
	if s.SequenceLen() != 0 || s.IsSequenceStart() {
		t.Fatal("continuation share")
	}
	// Padding: sequence start with length 0.
	var pad Share
	copy(pad[:], TailPaddingNamespace().Bytes())
	pad[NamespaceSize] = 1
	if !pad.IsPadding() {
		t.Fatal("tail padding not recognised")
	}
	// Compact shares must be version 0.
	var tx Share
	copy(tx[:], TxNamespace().Bytes())
	tx[NamespaceSize], _ = NewInfoByte(1, true)
	if !tx.IsCompact() || tx.Validate() == nil {
		t.Fatal("version-1 compact share accepted")
	}
	tx[NamespaceSize], _ = NewInfoByte(5, true)
	if tx.Validate() == nil {
		t.Fatal("share version 5 accepted")
	}
	if _, err := NewInfoByte(128, false); err == nil {
		t.Fatal("share version 128 accepted")
	}
	if _, err := ShareFromBytes(make([]byte, 511)); !errors.Is(err, ErrShareSize) {
		t.Fatalf("511 bytes: %v", err)
	}
	if FirstSparseShareContentSize != 478 || ContinuationSparseShareContentSize != 482 ||
		FirstSparseShareContentSizeV1 != 458 || FirstCompactShareContentSize != 474 || ContinuationCompactShareContentSize != 478 {
		t.Fatal("share payload sizes differ from Celestia's")
	}
}

func FuzzShareFromBytes(f *testing.F) {
	var s Share
	copy(s[:], TxNamespace().Bytes())
	f.Add(s[:])
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ShareFromBytes(b)
		if err != nil {
			if len(b) == ShareSize {
				t.Fatal("512 bytes rejected")
			}
			return
		}
		// Accessors never panic and validation is consistent.
		_ = s.SequenceLen()
		_ = s.IsPadding()
		if s.Validate() == nil {
			if s.Namespace().Validate() != nil || s.Version() > 1 {
				t.Fatal("invalid share accepted")
			}
		}
	})
}
