package sampling

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

func TestCheckpointRoundTripAndGolden(t *testing.T) {
	cp := Checkpoint{
		SampledUpTo: 100,
		Done:        []Range{{From: 102, To: 110}, {From: 200, To: 200}},
		Failed:      []FailedHeight{{Height: 101, Attempts: 3}, {Height: 150, Attempts: 1}},
	}
	b, err := cp.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// version 1 | 100 | 2 ranges: gap 0 span 8, gap 200-110-2=88 span 0 |
	// 2 failed: delta 0 attempts 3, delta 150-101-1=48 attempts 1
	want := []byte{1, 100, 2, 0, 8, 88, 0, 2, 0, 3, 48, 1}
	if !bytes.Equal(b, want) {
		t.Fatalf("Marshal = %v, want %v", b, want)
	}
	got, err := UnmarshalCheckpoint(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, cp) {
		t.Fatalf("round trip = %+v, want %+v", *got, cp)
	}
	empty, err := (&Checkpoint{}).Marshal()
	if err != nil || !bytes.Equal(empty, []byte{1, 0, 0, 0}) {
		t.Fatalf("empty checkpoint = %v, %v", empty, err)
	}
}

func TestCheckpointRejects(t *testing.T) {
	invalid := []Checkpoint{
		{SampledUpTo: 5, Done: []Range{{From: 6, To: 7}}},                     // foldable
		{SampledUpTo: 5, Done: []Range{{From: 9, To: 8}}},                     // from > to
		{SampledUpTo: 5, Done: []Range{{From: 7, To: 9}, {From: 10, To: 12}}}, // adjacent
		{SampledUpTo: 5, Failed: []FailedHeight{{Height: 5, Attempts: 1}}},
		{SampledUpTo: 5, Failed: []FailedHeight{{Height: 7, Attempts: 0}}},
		{SampledUpTo: 5, Failed: []FailedHeight{{Height: 8, Attempts: 1}, {Height: 7, Attempts: 1}}},
		{SampledUpTo: 5, Done: []Range{{From: 7, To: 9}}, Failed: []FailedHeight{{Height: 8, Attempts: 1}}},
	}
	for i, cp := range invalid {
		if _, err := cp.Marshal(); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("case %d: Marshal error = %v, want ErrCheckpoint", i, err)
		}
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"version":        {2, 0, 0, 0},
		"truncated":      {1, 100, 2, 0},
		"trailing":       {1, 0, 0, 0, 0},
		"non-minimal":    {1, 0x80, 0x00, 0, 0},
		"huge count":     {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"overflow":       {1, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 0, 0, 0},
		"zero attempts":  {1, 0, 0, 1, 0, 0},
		"failed in done": {1, 0, 1, 0, 2, 1, 2, 1},
	} {
		if _, err := UnmarshalCheckpoint(b); !errors.Is(err, ErrCheckpoint) {
			t.Errorf("%s: UnmarshalCheckpoint(%v) error = %v, want ErrCheckpoint", name, b, err)
		}
	}
}

func FuzzUnmarshalCheckpoint(f *testing.F) {
	f.Add([]byte{1, 100, 2, 0, 8, 88, 0, 2, 0, 3, 48, 1})
	f.Add([]byte{1, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 0, 0, 1, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		cp, err := UnmarshalCheckpoint(b)
		if err != nil {
			return
		}
		re, err := cp.Marshal()
		if err != nil {
			t.Fatalf("decoded checkpoint does not marshal: %v", err)
		}
		if !bytes.Equal(re, b) {
			t.Fatalf("non-canonical encoding accepted: %x re-encodes as %x", b, re)
		}
		// A scheduler resumes from anything that decodes.
		if _, err := New(DefaultConfig(), 1, cp); err != nil {
			t.Fatalf("New from a decoded checkpoint: %v", err)
		}
	})
}
