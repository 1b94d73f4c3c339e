module github.com/quadrant-da/quadrant/bench

go 1.26.6

replace github.com/quadrant-da/quadrant => ../

require (
	github.com/celestiaorg/go-square/v2 v2.3.1 // indirect
	github.com/celestiaorg/merkletree v0.0.0-20210714075610-a84dc3ddbbe4 // indirect
	github.com/celestiaorg/nmt v0.24.2 // indirect
	github.com/celestiaorg/rsmt2d v0.15.1 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/klauspost/cpuid/v2 v2.4.0 // indirect
	github.com/klauspost/reedsolomon v1.14.2 // indirect
	github.com/quadrant-da/quadrant v0.0.0-00010101000000-000000000000 // indirect
	golang.org/x/exp v0.0.0-20260718201538-764159d718ef // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
