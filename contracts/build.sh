#!/bin/sh
# build.sh rebuilds the committed contract artefacts from src/:
#   build/<Name>.abi, build/<Name>.bin, build/combined.json  (solc pinned in
#       package-lock.json, settings fixed in compile.js)
#   bindings/contracts.go  (go-ethereum's abigen --v2, at the go-ethereum
#       version pinned in the repository's go.mod)
# With --check it builds into a temporary directory and fails if the
# committed artefacts differ from what the sources produce.
# Needs node/npm (the npm registry for the first `npm ci`) and Go.
set -eu
cd "$(dirname "$0")"

check=false
case "${1:-}" in
  "") ;;
  --check) check=true ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# The pinned compiler, exactly as package-lock.json records it.
npm ci --no-audit --no-fund --silent

geth_version=$(cd .. && go list -m -f '{{.Version}}' github.com/ethereum/go-ethereum)

out=.
if $check; then
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  mkdir -p "$out/build" "$out/bindings"
fi

node compile.js "$out/build"
go run "github.com/ethereum/go-ethereum/cmd/abigen@$geth_version" --v2 \
  --combined-json "$out/build/combined.json" --pkg bindings --out "$out/bindings/contracts.go"

if $check; then
  status=0
  for f in build/QuadrantBlobstream.abi build/QuadrantBlobstream.bin \
    build/ValidiumExample.abi build/ValidiumExample.bin build/combined.json \
    bindings/contracts.go; do
    if ! cmp -s "$f" "$out/$f"; then
      echo "contracts: $f differs from what src/ builds; run contracts/build.sh and commit" >&2
      status=1
    fi
  done
  # Nothing generated may be missing from, or extra in, the committed build/.
  if [ "$(cd build && ls)" != "$(cd "$out/build" && ls)" ]; then
    echo "contracts: build/ holds other files than src/ builds" >&2
    status=1
  fi
  [ $status -eq 0 ] && echo "contracts: committed artefacts match src/ (solc $(node -p "require('solc').version()"), abigen $geth_version)"
  exit $status
fi
echo "contracts: rebuilt build/ and bindings/ (solc $(node -p "require('solc').version()"), abigen $geth_version)"
