package da

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReservedNamespaces(t *testing.T) {
	want := map[string]struct {
		ns   Namespace
		last byte
		v    uint8
	}{
		"tx":          {TxNamespace(), 0x01, 0},
		"pfb":         {PayForBlobNamespace(), 0x04, 0},
		"primary pad": {PrimaryReservedPaddingNamespace(), 0xFF, 0},
		"tail pad":    {TailPaddingNamespace(), 0xFE, 255},
		"parity":      {ParityNamespace(), 0xFF, 255},
	}
	for name, w := range want {
		if w.ns.Version() != w.v || w.ns[NamespaceSize-1] != w.last {
			t.Errorf("%s: %s", name, w.ns)
		}
		if !w.ns.IsReserved() {
			t.Errorf("%s not reserved", name)
		}
		if err := w.ns.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := w.ns.ValidateForBlob(); err == nil {
			t.Errorf("%s accepted for blobs", name)
		}
	}
	if !bytes.Equal(ParityNamespace().Bytes(), bytes.Repeat([]byte{0xFF}, NamespaceSize)) {
		t.Error("parity namespace must be 29 × 0xFF")
	}
	// Order: reserved v0 < user v0 < tail padding < parity.
	user, _ := NewNamespaceV0([]byte{0x01, 0x00})
	order := []Namespace{TxNamespace(), PayForBlobNamespace(), PrimaryReservedPaddingNamespace(), user, MinSecondaryReservedNamespace(), TailPaddingNamespace(), ParityNamespace()}
	for i := 1; i < len(order); i++ {
		if order[i-1].Compare(order[i]) >= 0 {
			t.Errorf("namespace %d (%s) not below %d (%s)", i-1, order[i-1], i, order[i])
		}
	}
}

func TestNamespaceValidation(t *testing.T) {
	user, err := NewNamespaceV0([]byte("rollup"))
	if err != nil {
		t.Fatal(err)
	}
	if err := user.ValidateForBlob(); err != nil {
		t.Fatalf("user namespace: %v", err)
	}
	if _, err := NewNamespaceV0(make([]byte, 11)); !errors.Is(err, ErrNamespaceIDTooLong) {
		t.Fatalf("11-byte id: %v", err)
	}
	// Just above the primary reserved range is allowed.
	justAbove, _ := NewNamespaceV0([]byte{0x01, 0x00})
	if err := justAbove.ValidateForBlob(); err != nil {
		t.Fatalf("0x0100: %v", err)
	}
	justBelow, _ := NewNamespaceV0([]byte{0xFF})
	if err := justBelow.ValidateForBlob(); !errors.Is(err, ErrNamespaceReserved) {
		t.Fatalf("0xFF: %v", err)
	}
	var badPrefix Namespace
	badPrefix[1] = 1
	if err := badPrefix.Validate(); !errors.Is(err, ErrNamespaceV0Prefix) {
		t.Fatalf("v0 prefix: %v", err)
	}
	var v1 Namespace
	v1[0] = 1
	if err := v1.Validate(); !errors.Is(err, ErrNamespaceVersion) {
		t.Fatalf("version 1: %v", err)
	}
	v255 := ParityNamespace()
	v255[NamespaceSize-1] = 0x00
	v255[5] = 0x00 // below the secondary reserved range
	if err := v255.ValidateForBlob(); !errors.Is(err, ErrNamespaceNotForBlobs) {
		t.Fatalf("v255 blob namespace: %v", err)
	}
	if _, err := NamespaceFromBytes(make([]byte, 28)); !errors.Is(err, ErrNamespaceSize) {
		t.Fatalf("28 bytes: %v", err)
	}
}

func TestParseNamespace(t *testing.T) {
	ns, err := ParseNamespace("0x726f6c6c7570")
	if err != nil || !strings.HasSuffix(ns.String(), "726f6c6c7570") || ns.Version() != 0 {
		t.Fatalf("short form: %s %v", ns, err)
	}
	full, err := ParseNamespace(ParityNamespace().String())
	if err != nil || full != ParityNamespace() {
		t.Fatalf("full form: %s %v", full, err)
	}
	for _, bad := range []string{"zz", "0x" + strings.Repeat("00", 11), "01" + strings.Repeat("00", 28)} {
		if _, err := ParseNamespace(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzNamespaceFromBytes(f *testing.F) {
	f.Add(TxNamespace().Bytes())
	f.Add(ParityNamespace().Bytes())
	f.Add([]byte{1, 2, 3})
	f.Add(append([]byte{0}, make([]byte, 28)...))
	f.Fuzz(func(t *testing.T, b []byte) {
		ns, err := NamespaceFromBytes(b)
		if err != nil {
			return
		}
		if !bytes.Equal(ns.Bytes(), b) {
			t.Fatal("round trip differs")
		}
		if v := ns.Version(); v != 0 && v != 255 {
			t.Fatalf("version %d accepted", v)
		}
		if ns.Version() == 0 && !bytes.Equal(ns[1:19], make([]byte, 18)) {
			t.Fatal("version-0 namespace without the zero prefix accepted")
		}
		if ns.ValidateForBlob() == nil && (ns.IsReserved() || ns.Version() != 0) {
			t.Fatal("reserved namespace accepted for blobs")
		}
		p, err := ParseNamespace(ns.String())
		if err != nil || p != ns {
			t.Fatalf("ParseNamespace(String()) = %s, %v", p, err)
		}
	})
}

func FuzzParseNamespace(f *testing.F) {
	f.Add("0x01")
	f.Add(ParityNamespace().String())
	f.Add("not hex")
	f.Fuzz(func(t *testing.T, s string) {
		ns, err := ParseNamespace(s)
		if err != nil {
			return
		}
		if err := ns.Validate(); err != nil {
			t.Fatalf("ParseNamespace(%q) returned an invalid namespace: %v", s, err)
		}
	})
}
