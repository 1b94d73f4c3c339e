package bindings_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/abigen"
	"github.com/ethereum/go-ethereum/common/compiler"
	"github.com/ethereum/go-ethereum/crypto"
)

// TestBindingsMatchBuild regenerates the bindings in-process from the
// committed build/combined.json, as build.sh runs abigen --v2, and checks
// that contracts.go is exactly that, and that the per-contract ABI and
// bytecode files agree with combined.json. (Whether build/ matches the
// Solidity sources needs solc: contracts/build.sh --check.)
func TestBindingsMatchBuild(t *testing.T) {
	combined, err := os.ReadFile(filepath.Join("..", "build", "combined.json"))
	if err != nil {
		t.Fatal(err)
	}
	contracts, err := compiler.ParseCombinedJSON(combined, "", "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	var types, abis, bins []string
	libs := map[string]string{}
	for name, c := range contracts {
		typeName := name[strings.LastIndex(name, ":")+1:]
		a, err := json.Marshal(c.Info.AbiDefinition)
		if err != nil {
			t.Fatal(err)
		}
		types, abis, bins = append(types, typeName), append(abis, string(a)), append(bins, c.Code)
		libs[crypto.Keccak256Hash([]byte(name)).String()[2:36]] = typeName

		abiFile, err := os.ReadFile(filepath.Join("..", "build", typeName+".abi"))
		if err != nil {
			t.Fatal(err)
		}
		var fromFile any
		if err := json.Unmarshal(abiFile, &fromFile); err != nil {
			t.Fatal(err)
		}
		if f, _ := json.Marshal(fromFile); string(f) != string(a) {
			t.Errorf("build/%s.abi differs from combined.json", typeName)
		}
		binFile, err := os.ReadFile(filepath.Join("..", "build", typeName+".bin"))
		if err != nil {
			t.Fatal(err)
		}
		if "0x"+strings.TrimSpace(string(binFile)) != c.Code {
			t.Errorf("build/%s.bin differs from combined.json", typeName)
		}
	}
	want, err := abigen.BindV2(types, abis, bins, "bindings", libs, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("contracts.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("contracts.go is not what abigen generates from build/combined.json; run contracts/build.sh")
	}
	if !strings.HasPrefix(string(got), "// Code generated") || !strings.Contains(strings.SplitN(string(got), "\n", 2)[0], "DO NOT EDIT.") {
		t.Fatal("contracts.go lacks the generated-code header")
	}
}
