// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// AttestationProof is an auto generated low-level Go binding around an user-defined struct.
type AttestationProof struct {
	TupleRootNonce *big.Int
	Tuple          DataRootTuple
	Proof          BinaryMerkleProof
}

// BinaryMerkleProof is an auto generated low-level Go binding around an user-defined struct.
type BinaryMerkleProof struct {
	SideNodes [][32]byte
	Key       *big.Int
	NumLeaves *big.Int
}

// DataRootTuple is an auto generated low-level Go binding around an user-defined struct.
type DataRootTuple struct {
	Height   *big.Int
	DataRoot [32]byte
}

// Namespace is an auto generated low-level Go binding around an user-defined struct.
type Namespace struct {
	Version [1]byte
	Id      [28]byte
}

// NamespaceMerkleMultiproof is an auto generated low-level Go binding around an user-defined struct.
type NamespaceMerkleMultiproof struct {
	BeginKey  *big.Int
	EndKey    *big.Int
	SideNodes []NamespaceNode
}

// NamespaceNode is an auto generated low-level Go binding around an user-defined struct.
type NamespaceNode struct {
	Min    Namespace
	Max    Namespace
	Digest [32]byte
}

// SharesProof is an auto generated low-level Go binding around an user-defined struct.
type SharesProof struct {
	Data             [][]byte
	ShareProofs      []NamespaceMerkleMultiproof
	Namespace        Namespace
	RowRoots         []NamespaceNode
	RowProofs        []BinaryMerkleProof
	AttestationProof AttestationProof
}

// Signature is an auto generated low-level Go binding around an user-defined struct.
type Signature struct {
	V uint8
	R [32]byte
	S [32]byte
}

// Validator is an auto generated low-level Go binding around an user-defined struct.
type Validator struct {
	Addr  common.Address
	Power *big.Int
}

// ValidiumExampleBatch is an auto generated low-level Go binding around an user-defined struct.
type ValidiumExampleBatch struct {
	StateRoot  [32]byte
	Height     *big.Int
	DataRoot   [32]byte
	SharesHash [32]byte
}

// QuadrantBlobstreamMetaData contains all meta data concerning the QuadrantBlobstream contract.
var QuadrantBlobstreamMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_nonce\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"_powerThreshold\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"_validatorSetHash\",\"type\":\"bytes32\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"InsufficientVotingPower\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidDataRootTupleRootNonce\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidSignature\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidValidatorSetNonce\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"MalformedCurrentValidatorSet\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"SuppliedValidatorSetInvalid\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ZeroPowerThreshold\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"nonce\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"dataRootTupleRoot\",\"type\":\"bytes32\"}],\"name\":\"DataRootTupleRootEvent\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"nonce\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"powerThreshold\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"validatorSetHash\",\"type\":\"bytes32\"}],\"name\":\"ValidatorSetUpdatedEvent\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"name\":\"state_dataRootTupleRoots\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"state_eventNonce\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"state_lastValidatorSetCheckpoint\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"state_powerThreshold\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_newNonce\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"_validatorSetNonce\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"_dataRootTupleRoot\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"address\",\"name\":\"addr\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"power\",\"type\":\"uint256\"}],\"internalType\":\"structValidator[]\",\"name\":\"_currentValidatorSet\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"uint8\",\"name\":\"v\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"r\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"internalType\":\"structSignature[]\",\"name\":\"_sigs\",\"type\":\"tuple[]\"}],\"name\":\"submitDataRootTupleRoot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_newNonce\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"_oldNonce\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"_newPowerThreshold\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"_newValidatorSetHash\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"address\",\"name\":\"addr\",\"type\":\"address\"},{\"internalType\":\"uint256\",\"name\":\"power\",\"type\":\"uint256\"}],\"internalType\":\"structValidator[]\",\"name\":\"_currentValidatorSet\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"uint8\",\"name\":\"v\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"r\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"s\",\"type\":\"bytes32\"}],\"internalType\":\"structSignature[]\",\"name\":\"_sigs\",\"type\":\"tuple[]\"}],\"name\":\"updateValidatorSet\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_tupleRootNonce\",\"type\":\"uint256\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"height\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"dataRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structDataRootTuple\",\"name\":\"_tuple\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes32[]\",\"name\":\"sideNodes\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"key\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"numLeaves\",\"type\":\"uint256\"}],\"internalType\":\"structBinaryMerkleProof\",\"name\":\"_proof\",\"type\":\"tuple\"}],\"name\":\"verifyAttestation\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "e4a91a44c5a4cc41751eebfb8c0c69b776",
	Bin: "0x608060405234801561000f575f5ffd5b5060405161100238038061100283398101604081905261002e916100e4565b815f0361004e576040516330ec93ad60e01b815260040160405180910390fd5b60028390556001829055604080516918da1958dadc1bda5b9d60b21b6020808301919091528183018690526060820185905260808083018590528351808403909101815260a090920190925280519101205f55604080518381526020810183905284917fe55fb3cbbfe29b13c7f8a35ef23127e7df9ab88df16bac166ad254a20f02414c910160405180910390a250505061010f565b5f5f5f606084860312156100f6575f5ffd5b5050815160208301516040909301519094929350919050565b610ee68061011c5f395ff3fe608060405234801561000f575f5ffd5b506004361061007a575f3560e01c8063817f985b11610058578063817f985b146100d1578063cdade866146100f0578063e23eb326146100f9578063e5a2b5d21461010c575f5ffd5b806305d85c131461007e5780631f3302a9146100935780635433218c146100bb575b5f5ffd5b61009161008c366004610a57565b610115565b005b6100a66100a1366004610b7c565b6101e1565b60405190151581526020015b60405180910390f35b6100c35f5481565b6040519081526020016100b2565b6100c36100df366004610cac565b60036020525f908152604090205481565b6100c360025481565b610091610107366004610cc3565b610256565b6100c360015481565b600254610123906001610d62565b8814610142576040516368a35ffd60e11b815260040160405180910390fd5b855f03610162576040516330ec93ad60e01b815260040160405180910390fd5b61016f8785858585610308565b5f61017b898888610389565b905061018d85858585856001546103d8565b5f8190556001879055600289905560408051888152602081018890528a917fe55fb3cbbfe29b13c7f8a35ef23127e7df9ab88df16bac166ad254a20f02414c910160405180910390a2505050505050505050565b5f6002548411156101f357505f61024f565b5f848152600360205260409020548061020f575f91505061024f565b61024b8184866040516020016102379190815181526020918201519181019190915260400190565b60405160208183030381529060405261063f565b9150505b9392505050565b600254610264906001610d62565b87146102835760405163e869766d60e01b815260040160405180910390fd5b6102908685858585610308565b5f61029b888761065b565b90506102ad85858585856001546103d8565b60028890555f88815260036020526040908190208790555188907f6614d037bde4905e31ca5ff05de61964c267f28b0320ed49e59f7d99752e1c4f906102f69089815260200190565b60405180910390a25050505050505050565b8281146103285760405163c6617b7b60e01b815260040160405180910390fd5b5f848460405160200161033c929190610d90565b6040516020818303038152906040528051906020012090505f546103638760015484610389565b1461038157604051630bbdaec960e11b815260040160405180910390fd5b505050505050565b604080516918da1958dadc1bda5b9d60b21b602082015290810184905260608101839052608081018290525f9060a0016040516020818303038152906040528051906020012090509392505050565b6040517f19457468657265756d205369676e6564204d6573736167653a0a3332000000006020820152603c81018390525f90605c0160408051601f19818403018152919052805160209091012090505f805b87811015610625573687878381811061044557610445610de4565b60600291909101915061045d90506020820182610df8565b60ff1615801561046f57506020810135155b801561047d57506040810135155b15610488575061061d565b6104956020820182610df8565b60ff16601b141580156104b857506104b06020820182610df8565b60ff16601c14155b806104e657507f7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a06040820135115b1561050457604051638baa579f60e01b815260040160405180910390fd5b5f6001856105156020850185610df8565b604080515f815260208181018084529490945260ff9092168282015291850135606082015290840135608082015260a0016020604051602081039080840390855afa158015610566573d5f5f3e3d5ffd5b5050604051601f1901519150506001600160a01b03811615806105c257508a8a8481811061059657610596610de4565b6105ac9260206040909202019081019150610e18565b6001600160a01b0316816001600160a01b031614155b156105e057604051638baa579f60e01b815260040160405180910390fd5b8a8a848181106105f2576105f2610de4565b90506040020160200135846106079190610d62565b935085841061061a575050505050610381565b50505b60010161042a565b5060405163cabeb65560e01b815260040160405180910390fd5b5f610653848461064e856106a9565b61071a565b949350505050565b604080516f0e8e4c2dce6c2c6e8d2dedc84c2e8c6d60831b6020820152908101839052606081018290525f906080016040516020818303038152906040528051906020012090505b92915050565b5f60025f60f81b836040516020016106c2929190610e48565b60408051601f19818403018152908290526106dc91610e63565b602060405180830381855afa1580156106f7573d5f5f3e3d5ffd5b5050506040513d601f19601f820116820180604052508101906106a39190610e6e565b604082015160208301515f91908115806107375750600160401b82115b806107425750818110155b15610751575f9250505061024f565b5f805b60018411156107aa575f61076785610858565b90508084101561077e5793506001821b1783610797565b6107888185610e85565b93506107948186610e85565b94505b826107a181610e98565b93505050610754565b86515182146107bf575f94505050505061024f565b855f5b8381101561084957806107d6600186610e85565b6107e09190610e85565b6001901b83161561081857610811828a5f0151838151811061080457610804610de4565b6020026020010151610953565b9150610841565b61083e895f0151828151811061083057610830610de4565b602002602001015183610953565b91505b6001016107c2565b50909714979650505050505050565b5f80610865600184610e85565b90505f600160801b821061088657608091821c916108839082610d62565b90505b600160401b82106108a457604091821c916108a19082610d62565b90505b64010000000082106108c357602091821c916108c09082610d62565b90505b6201000082106108e057601091821c916108dd9082610d62565b90505b61010082106108fc57600891821c916108f99082610d62565b90505b6010821061091757600491821c916109149082610d62565b90505b6004821061093257600291821c9161092f9082610d62565b90505b6002821061094857610945600182610d62565b90505b6001901b9392505050565b604051600160f81b602082015260218101839052604181018290525f9060029060610160408051601f198184030181529082905261099091610e63565b602060405180830381855afa1580156109ab573d5f5f3e3d5ffd5b5050506040513d601f19601f8201168201806040525081019061024f9190610e6e565b5f5f83601f8401126109de575f5ffd5b50813567ffffffffffffffff8111156109f5575f5ffd5b6020830191508360208260061b8501011115610a0f575f5ffd5b9250929050565b5f5f83601f840112610a26575f5ffd5b50813567ffffffffffffffff811115610a3d575f5ffd5b602083019150836020606083028501011115610a0f575f5ffd5b5f5f5f5f5f5f5f5f60c0898b031215610a6e575f5ffd5b88359750602089013596506040890135955060608901359450608089013567ffffffffffffffff811115610aa0575f5ffd5b610aac8b828c016109ce565b90955093505060a089013567ffffffffffffffff811115610acb575f5ffd5b610ad78b828c01610a16565b999c989b5096995094979396929594505050565b634e487b7160e01b5f52604160045260245ffd5b6040805190810167ffffffffffffffff81118282101715610b2257610b22610aeb565b60405290565b6040516060810167ffffffffffffffff81118282101715610b2257610b22610aeb565b604051601f8201601f1916810167ffffffffffffffff81118282101715610b7457610b74610aeb565b604052919050565b5f5f5f8385036080811215610b8f575f5ffd5b843593506040601f1982011215610ba4575f5ffd5b50610bad610aff565b60208581013582526040860135908201529150606084013567ffffffffffffffff811115610bd9575f5ffd5b840160608187031215610bea575f5ffd5b610bf2610b28565b813567ffffffffffffffff811115610c08575f5ffd5b8201601f81018813610c18575f5ffd5b803567ffffffffffffffff811115610c3257610c32610aeb565b8060051b610c4260208201610b4b565b9182526020818401810192908101908b841115610c5d575f5ffd5b6020850194505b83851015610c8357843580835260209586019590935090910190610c64565b855250505050602082810135908201526040918201359181019190915292959194509192509050565b5f60208284031215610cbc575f5ffd5b5035919050565b5f5f5f5f5f5f5f60a0888a031215610cd9575f5ffd5b873596506020880135955060408801359450606088013567ffffffffffffffff811115610d04575f5ffd5b610d108a828b016109ce565b909550935050608088013567ffffffffffffffff811115610d2f575f5ffd5b610d3b8a828b01610a16565b989b979a50959850939692959293505050565b634e487b7160e01b5f52601160045260245ffd5b808201808211156106a3576106a3610d4e565b80356001600160a01b0381168114610d8b575f5ffd5b919050565b602080825281018290525f8360408301825b85811015610dda576001600160a01b03610dbb84610d75565b1682526020838101359083015260409283019290910190600101610da2565b5095945050505050565b634e487b7160e01b5f52603260045260245ffd5b5f60208284031215610e08575f5ffd5b813560ff8116811461024f575f5ffd5b5f60208284031215610e28575f5ffd5b61024f82610d75565b5f81518060208401855e5f93019283525090919050565b6001600160f81b0319831681525f6106536001830184610e31565b5f61024f8284610e31565b5f60208284031215610e7e575f5ffd5b5051919050565b818103818111156106a3576106a3610d4e565b5f60018201610ea957610ea9610d4e565b506001019056fea26469706673582212202e53e7fd8f14331082a30c155ddc5cb9271ce97b57cb38d069728e53604b370564736f6c63430008250033",
}

// QuadrantBlobstream is an auto generated Go binding around an Ethereum contract.
type QuadrantBlobstream struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *QuadrantBlobstream) GetABI() abi.ABI {
	return c.abi
}

// NewQuadrantBlobstream creates a new instance of QuadrantBlobstream.
func NewQuadrantBlobstream() *QuadrantBlobstream {
	parsed, err := QuadrantBlobstreamMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &QuadrantBlobstream{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *QuadrantBlobstream) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(uint256 _nonce, uint256 _powerThreshold, bytes32 _validatorSetHash) returns()
func (quadrantBlobstream *QuadrantBlobstream) PackConstructor(_nonce *big.Int, _powerThreshold *big.Int, _validatorSetHash [32]byte) []byte {
	enc, err := quadrantBlobstream.abi.Pack("", _nonce, _powerThreshold, _validatorSetHash)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackStateDataRootTupleRoots is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x817f985b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function state_dataRootTupleRoots(uint256 ) view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) PackStateDataRootTupleRoots(arg0 *big.Int) []byte {
	enc, err := quadrantBlobstream.abi.Pack("state_dataRootTupleRoots", arg0)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStateDataRootTupleRoots is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x817f985b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function state_dataRootTupleRoots(uint256 ) view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) TryPackStateDataRootTupleRoots(arg0 *big.Int) ([]byte, error) {
	return quadrantBlobstream.abi.Pack("state_dataRootTupleRoots", arg0)
}

// UnpackStateDataRootTupleRoots is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x817f985b.
//
// Solidity: function state_dataRootTupleRoots(uint256 ) view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) UnpackStateDataRootTupleRoots(data []byte) ([32]byte, error) {
	out, err := quadrantBlobstream.abi.Unpack("state_dataRootTupleRoots", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackStateEventNonce is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcdade866.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function state_eventNonce() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) PackStateEventNonce() []byte {
	enc, err := quadrantBlobstream.abi.Pack("state_eventNonce")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStateEventNonce is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcdade866.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function state_eventNonce() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) TryPackStateEventNonce() ([]byte, error) {
	return quadrantBlobstream.abi.Pack("state_eventNonce")
}

// UnpackStateEventNonce is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xcdade866.
//
// Solidity: function state_eventNonce() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) UnpackStateEventNonce(data []byte) (*big.Int, error) {
	out, err := quadrantBlobstream.abi.Unpack("state_eventNonce", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackStateLastValidatorSetCheckpoint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5433218c.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function state_lastValidatorSetCheckpoint() view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) PackStateLastValidatorSetCheckpoint() []byte {
	enc, err := quadrantBlobstream.abi.Pack("state_lastValidatorSetCheckpoint")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStateLastValidatorSetCheckpoint is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5433218c.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function state_lastValidatorSetCheckpoint() view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) TryPackStateLastValidatorSetCheckpoint() ([]byte, error) {
	return quadrantBlobstream.abi.Pack("state_lastValidatorSetCheckpoint")
}

// UnpackStateLastValidatorSetCheckpoint is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x5433218c.
//
// Solidity: function state_lastValidatorSetCheckpoint() view returns(bytes32)
func (quadrantBlobstream *QuadrantBlobstream) UnpackStateLastValidatorSetCheckpoint(data []byte) ([32]byte, error) {
	out, err := quadrantBlobstream.abi.Unpack("state_lastValidatorSetCheckpoint", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackStatePowerThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5a2b5d2.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function state_powerThreshold() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) PackStatePowerThreshold() []byte {
	enc, err := quadrantBlobstream.abi.Pack("state_powerThreshold")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackStatePowerThreshold is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe5a2b5d2.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function state_powerThreshold() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) TryPackStatePowerThreshold() ([]byte, error) {
	return quadrantBlobstream.abi.Pack("state_powerThreshold")
}

// UnpackStatePowerThreshold is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xe5a2b5d2.
//
// Solidity: function state_powerThreshold() view returns(uint256)
func (quadrantBlobstream *QuadrantBlobstream) UnpackStatePowerThreshold(data []byte) (*big.Int, error) {
	out, err := quadrantBlobstream.abi.Unpack("state_powerThreshold", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackSubmitDataRootTupleRoot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe23eb326.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function submitDataRootTupleRoot(uint256 _newNonce, uint256 _validatorSetNonce, bytes32 _dataRootTupleRoot, (address,uint256)[] _currentValidatorSet, (uint8,bytes32,bytes32)[] _sigs) returns()
func (quadrantBlobstream *QuadrantBlobstream) PackSubmitDataRootTupleRoot(newNonce *big.Int, validatorSetNonce *big.Int, dataRootTupleRoot [32]byte, currentValidatorSet []Validator, sigs []Signature) []byte {
	enc, err := quadrantBlobstream.abi.Pack("submitDataRootTupleRoot", newNonce, validatorSetNonce, dataRootTupleRoot, currentValidatorSet, sigs)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSubmitDataRootTupleRoot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xe23eb326.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function submitDataRootTupleRoot(uint256 _newNonce, uint256 _validatorSetNonce, bytes32 _dataRootTupleRoot, (address,uint256)[] _currentValidatorSet, (uint8,bytes32,bytes32)[] _sigs) returns()
func (quadrantBlobstream *QuadrantBlobstream) TryPackSubmitDataRootTupleRoot(newNonce *big.Int, validatorSetNonce *big.Int, dataRootTupleRoot [32]byte, currentValidatorSet []Validator, sigs []Signature) ([]byte, error) {
	return quadrantBlobstream.abi.Pack("submitDataRootTupleRoot", newNonce, validatorSetNonce, dataRootTupleRoot, currentValidatorSet, sigs)
}

// PackUpdateValidatorSet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x05d85c13.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function updateValidatorSet(uint256 _newNonce, uint256 _oldNonce, uint256 _newPowerThreshold, bytes32 _newValidatorSetHash, (address,uint256)[] _currentValidatorSet, (uint8,bytes32,bytes32)[] _sigs) returns()
func (quadrantBlobstream *QuadrantBlobstream) PackUpdateValidatorSet(newNonce *big.Int, oldNonce *big.Int, newPowerThreshold *big.Int, newValidatorSetHash [32]byte, currentValidatorSet []Validator, sigs []Signature) []byte {
	enc, err := quadrantBlobstream.abi.Pack("updateValidatorSet", newNonce, oldNonce, newPowerThreshold, newValidatorSetHash, currentValidatorSet, sigs)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackUpdateValidatorSet is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x05d85c13.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function updateValidatorSet(uint256 _newNonce, uint256 _oldNonce, uint256 _newPowerThreshold, bytes32 _newValidatorSetHash, (address,uint256)[] _currentValidatorSet, (uint8,bytes32,bytes32)[] _sigs) returns()
func (quadrantBlobstream *QuadrantBlobstream) TryPackUpdateValidatorSet(newNonce *big.Int, oldNonce *big.Int, newPowerThreshold *big.Int, newValidatorSetHash [32]byte, currentValidatorSet []Validator, sigs []Signature) ([]byte, error) {
	return quadrantBlobstream.abi.Pack("updateValidatorSet", newNonce, oldNonce, newPowerThreshold, newValidatorSetHash, currentValidatorSet, sigs)
}

// PackVerifyAttestation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1f3302a9.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function verifyAttestation(uint256 _tupleRootNonce, (uint256,bytes32) _tuple, (bytes32[],uint256,uint256) _proof) view returns(bool)
func (quadrantBlobstream *QuadrantBlobstream) PackVerifyAttestation(tupleRootNonce *big.Int, tuple DataRootTuple, proof BinaryMerkleProof) []byte {
	enc, err := quadrantBlobstream.abi.Pack("verifyAttestation", tupleRootNonce, tuple, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVerifyAttestation is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x1f3302a9.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function verifyAttestation(uint256 _tupleRootNonce, (uint256,bytes32) _tuple, (bytes32[],uint256,uint256) _proof) view returns(bool)
func (quadrantBlobstream *QuadrantBlobstream) TryPackVerifyAttestation(tupleRootNonce *big.Int, tuple DataRootTuple, proof BinaryMerkleProof) ([]byte, error) {
	return quadrantBlobstream.abi.Pack("verifyAttestation", tupleRootNonce, tuple, proof)
}

// UnpackVerifyAttestation is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x1f3302a9.
//
// Solidity: function verifyAttestation(uint256 _tupleRootNonce, (uint256,bytes32) _tuple, (bytes32[],uint256,uint256) _proof) view returns(bool)
func (quadrantBlobstream *QuadrantBlobstream) UnpackVerifyAttestation(data []byte) (bool, error) {
	out, err := quadrantBlobstream.abi.Unpack("verifyAttestation", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// QuadrantBlobstreamDataRootTupleRootEvent represents a DataRootTupleRootEvent event raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamDataRootTupleRootEvent struct {
	Nonce             *big.Int
	DataRootTupleRoot [32]byte
	Raw               *types.Log // Blockchain specific contextual infos
}

const QuadrantBlobstreamDataRootTupleRootEventEventName = "DataRootTupleRootEvent"

// ContractEventName returns the user-defined event name.
func (QuadrantBlobstreamDataRootTupleRootEvent) ContractEventName() string {
	return QuadrantBlobstreamDataRootTupleRootEventEventName
}

// UnpackDataRootTupleRootEventEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event DataRootTupleRootEvent(uint256 indexed nonce, bytes32 dataRootTupleRoot)
func (quadrantBlobstream *QuadrantBlobstream) UnpackDataRootTupleRootEventEvent(log *types.Log) (*QuadrantBlobstreamDataRootTupleRootEvent, error) {
	event := "DataRootTupleRootEvent"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != quadrantBlobstream.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(QuadrantBlobstreamDataRootTupleRootEvent)
	if len(log.Data) > 0 {
		if err := quadrantBlobstream.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range quadrantBlobstream.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// QuadrantBlobstreamValidatorSetUpdatedEvent represents a ValidatorSetUpdatedEvent event raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamValidatorSetUpdatedEvent struct {
	Nonce            *big.Int
	PowerThreshold   *big.Int
	ValidatorSetHash [32]byte
	Raw              *types.Log // Blockchain specific contextual infos
}

const QuadrantBlobstreamValidatorSetUpdatedEventEventName = "ValidatorSetUpdatedEvent"

// ContractEventName returns the user-defined event name.
func (QuadrantBlobstreamValidatorSetUpdatedEvent) ContractEventName() string {
	return QuadrantBlobstreamValidatorSetUpdatedEventEventName
}

// UnpackValidatorSetUpdatedEventEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ValidatorSetUpdatedEvent(uint256 indexed nonce, uint256 powerThreshold, bytes32 validatorSetHash)
func (quadrantBlobstream *QuadrantBlobstream) UnpackValidatorSetUpdatedEventEvent(log *types.Log) (*QuadrantBlobstreamValidatorSetUpdatedEvent, error) {
	event := "ValidatorSetUpdatedEvent"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != quadrantBlobstream.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(QuadrantBlobstreamValidatorSetUpdatedEvent)
	if len(log.Data) > 0 {
		if err := quadrantBlobstream.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range quadrantBlobstream.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (quadrantBlobstream *QuadrantBlobstream) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["InsufficientVotingPower"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackInsufficientVotingPowerError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["InvalidDataRootTupleRootNonce"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackInvalidDataRootTupleRootNonceError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["InvalidSignature"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackInvalidSignatureError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["InvalidValidatorSetNonce"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackInvalidValidatorSetNonceError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["MalformedCurrentValidatorSet"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackMalformedCurrentValidatorSetError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["SuppliedValidatorSetInvalid"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackSuppliedValidatorSetInvalidError(raw[4:])
	}
	if bytes.Equal(raw[:4], quadrantBlobstream.abi.Errors["ZeroPowerThreshold"].ID.Bytes()[:4]) {
		return quadrantBlobstream.UnpackZeroPowerThresholdError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// QuadrantBlobstreamInsufficientVotingPower represents a InsufficientVotingPower error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamInsufficientVotingPower struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InsufficientVotingPower()
func QuadrantBlobstreamInsufficientVotingPowerErrorID() common.Hash {
	return common.HexToHash("0xcabeb6558206dc8b4b491c8f8a90cf15c16608ec7f25308d2694279b05cd8515")
}

// UnpackInsufficientVotingPowerError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InsufficientVotingPower()
func (quadrantBlobstream *QuadrantBlobstream) UnpackInsufficientVotingPowerError(raw []byte) (*QuadrantBlobstreamInsufficientVotingPower, error) {
	out := new(QuadrantBlobstreamInsufficientVotingPower)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "InsufficientVotingPower", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamInvalidDataRootTupleRootNonce represents a InvalidDataRootTupleRootNonce error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamInvalidDataRootTupleRootNonce struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidDataRootTupleRootNonce()
func QuadrantBlobstreamInvalidDataRootTupleRootNonceErrorID() common.Hash {
	return common.HexToHash("0xe869766db29447077502c777586cf1b1cd87740653cbb0e0af543bab4928a797")
}

// UnpackInvalidDataRootTupleRootNonceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidDataRootTupleRootNonce()
func (quadrantBlobstream *QuadrantBlobstream) UnpackInvalidDataRootTupleRootNonceError(raw []byte) (*QuadrantBlobstreamInvalidDataRootTupleRootNonce, error) {
	out := new(QuadrantBlobstreamInvalidDataRootTupleRootNonce)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "InvalidDataRootTupleRootNonce", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamInvalidSignature represents a InvalidSignature error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamInvalidSignature struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidSignature()
func QuadrantBlobstreamInvalidSignatureErrorID() common.Hash {
	return common.HexToHash("0x8baa579fce362245063d36f11747a89dd489c54795634fc673cc0e0db51fedc5")
}

// UnpackInvalidSignatureError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidSignature()
func (quadrantBlobstream *QuadrantBlobstream) UnpackInvalidSignatureError(raw []byte) (*QuadrantBlobstreamInvalidSignature, error) {
	out := new(QuadrantBlobstreamInvalidSignature)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "InvalidSignature", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamInvalidValidatorSetNonce represents a InvalidValidatorSetNonce error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamInvalidValidatorSetNonce struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidValidatorSetNonce()
func QuadrantBlobstreamInvalidValidatorSetNonceErrorID() common.Hash {
	return common.HexToHash("0xd146bffac2dd5e4f9eedbedfb164ef4f1e9b895ad226fcb5bfe179785990b020")
}

// UnpackInvalidValidatorSetNonceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidValidatorSetNonce()
func (quadrantBlobstream *QuadrantBlobstream) UnpackInvalidValidatorSetNonceError(raw []byte) (*QuadrantBlobstreamInvalidValidatorSetNonce, error) {
	out := new(QuadrantBlobstreamInvalidValidatorSetNonce)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "InvalidValidatorSetNonce", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamMalformedCurrentValidatorSet represents a MalformedCurrentValidatorSet error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamMalformedCurrentValidatorSet struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error MalformedCurrentValidatorSet()
func QuadrantBlobstreamMalformedCurrentValidatorSetErrorID() common.Hash {
	return common.HexToHash("0xc6617b7be4725909a1f86775cbd7fcf45dda3eb998f55c1c42d0ac8ca244ac8e")
}

// UnpackMalformedCurrentValidatorSetError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error MalformedCurrentValidatorSet()
func (quadrantBlobstream *QuadrantBlobstream) UnpackMalformedCurrentValidatorSetError(raw []byte) (*QuadrantBlobstreamMalformedCurrentValidatorSet, error) {
	out := new(QuadrantBlobstreamMalformedCurrentValidatorSet)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "MalformedCurrentValidatorSet", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamSuppliedValidatorSetInvalid represents a SuppliedValidatorSetInvalid error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamSuppliedValidatorSetInvalid struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SuppliedValidatorSetInvalid()
func QuadrantBlobstreamSuppliedValidatorSetInvalidErrorID() common.Hash {
	return common.HexToHash("0x177b5d92eb9dbd91b47a95dc03a7470ed067a1b4e277fee4b24a4bcb15720577")
}

// UnpackSuppliedValidatorSetInvalidError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SuppliedValidatorSetInvalid()
func (quadrantBlobstream *QuadrantBlobstream) UnpackSuppliedValidatorSetInvalidError(raw []byte) (*QuadrantBlobstreamSuppliedValidatorSetInvalid, error) {
	out := new(QuadrantBlobstreamSuppliedValidatorSetInvalid)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "SuppliedValidatorSetInvalid", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// QuadrantBlobstreamZeroPowerThreshold represents a ZeroPowerThreshold error raised by the QuadrantBlobstream contract.
type QuadrantBlobstreamZeroPowerThreshold struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ZeroPowerThreshold()
func QuadrantBlobstreamZeroPowerThresholdErrorID() common.Hash {
	return common.HexToHash("0x30ec93ad2fe490a08557317d4fc09a792a127d0194309f94199bd2b3ada305ef")
}

// UnpackZeroPowerThresholdError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ZeroPowerThreshold()
func (quadrantBlobstream *QuadrantBlobstream) UnpackZeroPowerThresholdError(raw []byte) (*QuadrantBlobstreamZeroPowerThreshold, error) {
	out := new(QuadrantBlobstreamZeroPowerThreshold)
	if err := quadrantBlobstream.abi.UnpackIntoInterface(out, "ZeroPowerThreshold", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidiumExampleMetaData contains all meta data concerning the ValidiumExample contract.
var ValidiumExampleMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIDAOracle\",\"name\":\"_blobstream\",\"type\":\"address\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"_namespace\",\"type\":\"tuple\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[{\"internalType\":\"enumDAVerifier.ErrorCodes\",\"name\":\"code\",\"type\":\"uint8\"}],\"name\":\"InvalidSharesProof\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"WrongNamespace\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"stateRoot\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"height\",\"type\":\"uint256\"},{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"sharesHash\",\"type\":\"bytes32\"}],\"name\":\"BatchAccepted\",\"type\":\"event\"},{\"inputs\":[{\"internalType\":\"uint256\",\"name\":\"_index\",\"type\":\"uint256\"}],\"name\":\"batch\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"stateRoot\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"height\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"dataRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32\",\"name\":\"sharesHash\",\"type\":\"bytes32\"}],\"internalType\":\"structValidiumExample.Batch\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"batchCount\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"blobstream\",\"outputs\":[{\"internalType\":\"contractIDAOracle\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"namespace\",\"outputs\":[{\"internalType\":\"bytes29\",\"name\":\"\",\"type\":\"bytes29\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"_stateRoot\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"bytes[]\",\"name\":\"data\",\"type\":\"bytes[]\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"beginKey\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"endKey\",\"type\":\"uint256\"},{\"components\":[{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"min\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"max\",\"type\":\"tuple\"},{\"internalType\":\"bytes32\",\"name\":\"digest\",\"type\":\"bytes32\"}],\"internalType\":\"structNamespaceNode[]\",\"name\":\"sideNodes\",\"type\":\"tuple[]\"}],\"internalType\":\"structNamespaceMerkleMultiproof[]\",\"name\":\"shareProofs\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"namespace\",\"type\":\"tuple\"},{\"components\":[{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"min\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"max\",\"type\":\"tuple\"},{\"internalType\":\"bytes32\",\"name\":\"digest\",\"type\":\"bytes32\"}],\"internalType\":\"structNamespaceNode[]\",\"name\":\"rowRoots\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"bytes32[]\",\"name\":\"sideNodes\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"key\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"numLeaves\",\"type\":\"uint256\"}],\"internalType\":\"structBinaryMerkleProof[]\",\"name\":\"rowProofs\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"tupleRootNonce\",\"type\":\"uint256\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"height\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"dataRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structDataRootTuple\",\"name\":\"tuple\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes32[]\",\"name\":\"sideNodes\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"key\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"numLeaves\",\"type\":\"uint256\"}],\"internalType\":\"structBinaryMerkleProof\",\"name\":\"proof\",\"type\":\"tuple\"}],\"internalType\":\"structAttestationProof\",\"name\":\"attestationProof\",\"type\":\"tuple\"}],\"internalType\":\"structSharesProof\",\"name\":\"_proof\",\"type\":\"tuple\"}],\"name\":\"submitBatch\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"index\",\"type\":\"uint256\"}],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"bytes[]\",\"name\":\"data\",\"type\":\"bytes[]\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"beginKey\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"endKey\",\"type\":\"uint256\"},{\"components\":[{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"min\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"max\",\"type\":\"tuple\"},{\"internalType\":\"bytes32\",\"name\":\"digest\",\"type\":\"bytes32\"}],\"internalType\":\"structNamespaceNode[]\",\"name\":\"sideNodes\",\"type\":\"tuple[]\"}],\"internalType\":\"structNamespaceMerkleMultiproof[]\",\"name\":\"shareProofs\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"namespace\",\"type\":\"tuple\"},{\"components\":[{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"min\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes1\",\"name\":\"version\",\"type\":\"bytes1\"},{\"internalType\":\"bytes28\",\"name\":\"id\",\"type\":\"bytes28\"}],\"internalType\":\"structNamespace\",\"name\":\"max\",\"type\":\"tuple\"},{\"internalType\":\"bytes32\",\"name\":\"digest\",\"type\":\"bytes32\"}],\"internalType\":\"structNamespaceNode[]\",\"name\":\"rowRoots\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"bytes32[]\",\"name\":\"sideNodes\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"key\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"numLeaves\",\"type\":\"uint256\"}],\"internalType\":\"structBinaryMerkleProof[]\",\"name\":\"rowProofs\",\"type\":\"tuple[]\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"tupleRootNonce\",\"type\":\"uint256\"},{\"components\":[{\"internalType\":\"uint256\",\"name\":\"height\",\"type\":\"uint256\"},{\"internalType\":\"bytes32\",\"name\":\"dataRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structDataRootTuple\",\"name\":\"tuple\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes32[]\",\"name\":\"sideNodes\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"key\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"numLeaves\",\"type\":\"uint256\"}],\"internalType\":\"structBinaryMerkleProof\",\"name\":\"proof\",\"type\":\"tuple\"}],\"internalType\":\"structAttestationProof\",\"name\":\"attestationProof\",\"type\":\"tuple\"}],\"internalType\":\"structSharesProof\",\"name\":\"_proof\",\"type\":\"tuple\"}],\"name\":\"verifyShares\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"valid\",\"type\":\"bool\"},{\"internalType\":\"enumDAVerifier.ErrorCodes\",\"name\":\"code\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"}]",
	ID:  "da2de4cd5ca7f62a737c98fcd41ec0f5a6",
	Bin: "0x60c060405234801561000f575f5ffd5b50604051611d68380380611d6883398101604081905261002e9161006b565b6001600160a01b03919091166080526020810151905160089190911c6301000000600160f81b03166001600160f81b03199091161760a05261011b565b5f5f828403606081121561007d575f5ffd5b83516001600160a01b0381168114610093575f5ffd5b92506040601f19820112156100a6575f5ffd5b50604080519081016001600160401b03811182821017156100d557634e487b7160e01b5f52604160045260245ffd5b60405260208401516001600160f81b0319811681146100f2575f5ffd5b8152604084015163ffffffff198116811461010b575f5ffd5b6020820152919491935090915050565b60805160a051611c1f6101495f395f818160c501526101f101525f8181610135015261024c0152611c1f5ff3fe608060405234801561000f575f5ffd5b5060043610610060575f3560e01c806306f13056146100645780630eaa75fe1461007a5780637c015a89146100c0578063879c6b8a146100fc578063b93cd76f1461011d578063d49c2c5114610130575b5f5ffd5b5f545b6040519081526020015b60405180910390f35b61008d610088366004611266565b61016f565b60405161007191908151815260208083015190820152604080830151908201526060918201519181019190915260800190565b6100e77f000000000000000000000000000000000000000000000000000000000000000081565b60405162ffffff199091168152602001610071565b61010f61010a3660046118a1565b6101ed565b604051610071929190611906565b61006761012b36600461191c565b610287565b6101577f000000000000000000000000000000000000000000000000000000000000000081565b6040516001600160a01b039091168152602001610071565b61019660405180608001604052805f81526020015f81526020015f81526020015f81525090565b5f82815481106101a8576101a861195f565b905f5260205f2090600402016040518060800160405290815f820154815260200160018201548152602001600282015481526020016003820154815250509050919050565b5f5f7f000000000000000000000000000000000000000000000000000000000000000062ffffff19166102238460400151610428565b62ffffff1916146102475760405163bc6de31f60e01b815260040160405180910390fd5b61027e7f0000000000000000000000000000000000000000000000000000000000000000848560a001516020015160200151610451565b91509150915091565b5f5f5f610293846101ed565b91509150816102c057806040516320ab1a2760e11b81526004016102b79190611973565b60405180910390fd5b60a0840151602090810151855160405191925f926102df929101611981565b60408051808303601f1901815282825280516020918201206080840183528a8452855182850190815291860151928401928352606084018181525f80546001808201835582805296517f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e56360049092029182015593517f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e56485015593517f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e565840155517f290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e5669092019190915590549092506103d69190611a19565b8251604080518a81526020810192909252810183905290955085907f543482fe8b923c2e395b0b43cec5a859dc6cabce26a3cde8a67b448962d13d7c9060600160405180910390a25050505092915050565b6020810151905160089190911c6301000000600160f81b03166001600160f81b03199091161790565b5f5f5f5f61046e87876060015188608001518960a001518961049b565b9150915081610483575f935091506104939050565b61048c86610552565b9350935050505b935093915050565b5f5f5f5f6104aa89878761085e565b91509150816104bf575f935091506105489050565b87518751146104d6575f6006935093505050610548565b5f5b875181101561053d5761051e8982815181106104f6576104f661195f565b60200260200101518983815181106105105761051061195f565b602002602001015188610910565b90935091508261053557505f935091506105489050565b6001016104d8565b5060015f9350935050505b9550959350505050565b5f5f5f8360200151905083606001515181511461057557505f9360059350915050565b5f805b8251811015610688578281815181106105935761059361195f565b60200260200101515f01518382815181106105b0576105b061195f565b602002602001015160200151116105cf57505f95600195509350505050565b6004866080015182815181106105e7576105e761195f565b6020026020010151604001516105fd9190611a40565b83828151811061060f5761060f61195f565b602002602001015160200151111561062f57505f95600a95509350505050565b8281815181106106415761064161195f565b60200260200101515f015183828151811061065e5761065e61195f565b6020026020010151602001516106749190611a19565b61067e9083611a53565b9150600101610578565b50845151811461069f57505f946007945092505050565b5f6106ad8660400151610428565b90505f5b8281101561073457610200875f015182815181106106d1576106d161195f565b60200260200101515114158061071857508162ffffff1916875f015182815181106106fe576106fe61195f565b602002602001015161070f90611a66565b62ffffff191614155b1561072c57505f96600b9650945050505050565b6001016106b1565b505f805b845181101561084e575f8582815181106107545761075461195f565b60200260200101515f01518683815181106107715761077161195f565b6020026020010151602001516107879190611a19565b89519091505f906107a2908561079d8582611a53565b6109ce565b90505f60028b6080015185815181106107bd576107bd61195f565b6020026020010151604001516107d39190611a40565b905061081c8b6060015185815181106107ee576107ee61195f565b60200260200101518986815181106108085761080861195f565b60200260200101518d604001518585610a87565b61083357505f9a60019a5098505050505050505050565b61083d8386611a53565b945050600190920191506107389050565b506001975f975095505050505050565b5f5f828460200151602001511461087a57505f90506009610493565b835160208501516040808701519051631f3302a960e01b81526001600160a01b03891693631f3302a9936108b5939192909190600401611a9e565b602060405180830381865afa1580156108d0573d5f5f3e3d5ffd5b505050506040513d601f19601f820116820180604052508101906108f49190611b24565b61090357505f90506004610493565b506001945f945092505050565b5f5f5f5f61091d86610bd1565b90925090505f81600b811115610935576109356118d2565b14610946575f935091506104939050565b8186602001511061095f575f600a935093505050610493565b5f61096c885f0151610428565b6109798960200151610428565b6040808b0151905162ffffff19938416602082015292909116603d830152605a820152607a0160405160208183030381529060405290506109bb868883610c33565b61084e575f600294509450505050610493565b60605f6109db8484611a19565b6001600160401b038111156109f2576109f261127d565b604051908082528060200260200182016040528015610a2557816020015b6060815260200190600190039081610a105790505b509050835b83811015610a7c57858181518110610a4457610a4461195f565b6020026020010151828683610a599190611a19565b81518110610a6957610a6961195f565b6020908102919091010152600101610a2a565b5090505b9392505050565b5f811580610aa05750610a9b600183611a19565b821615155b15610aac57505f610bc8565b60208501518551101580610ac35750818560200151115b15610acf57505f610bc8565b84516020860151610ae09190611a19565b835114610aee57505f610bc8565b5f604051806101000160405280875f0151815260200187602001518152602001610b1787610428565b62ffffff19168152602001876040015181526020015f81526020018581526020015f81526020016001151581525090505f5f5f610b55845f88610c4f565b9250925092508360e001518015610b7457508860400151518460800151145b8015610b9257508951610b8690610428565b62ffffff198481169116145b8015610bb25750610ba68a60200151610428565b62ffffff198381169116145b8015610bc15750896040015181145b9450505050505b95945050505050565b5f5f5f60048460400151610be59190611a40565b905060048460400151610bf89190611b43565b151580610c03575080155b80610c195750610c14600182611a19565b811615155b15610c2a57505f9360089350915050565b935f9350915050565b5f610c478484610c4285610f3b565b610fb2565b949350505050565b5f5f5f855f015184111580610c68575085602001518510155b15610ced57856060015151866080015110610c905750505f60e0850181905290508080610f32565b60608601516080870180515f9291610ca782611b56565b905281518110610cb957610cb961195f565b60200260200101519050610ccf815f0151610428565b610cdc8260200151610428565b826040015193509350935050610f32565b610cf78585611a19565b600103610dbd5760a086015160c0870180515f9291610d1582611b56565b905281518110610d2757610d2761195f565b602002602001015190508660400151876040015160025f60f81b8a6040015185604051602001610d5993929190611b85565b60408051601f1981840301815290829052610d7391611bac565b602060405180830381855afa158015610d8e573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610db19190611bb7565b93509350935050610f32565b5f6002610dca8787611a19565b610dd49190611a40565b610dde9087611a53565b90505f5f5f610dee8a8a86610c4f565b9250925092505f5f5f610e028d888d610c4f565b9250925092508c60e001511580610e21575062ffffff19808616908716115b80610e34575062ffffff19808316908416115b80610e47575062ffffff19808416908616115b15610e695750505f60e08c018190529750879650869550610f32945050505050565b5f62ffffff1984811614610e7d5782610e7f565b855b604051600160f81b602082015262ffffff19808a166021830152808916603e830152605b8201889052808716607b8301528516609882015260b581018490529091508790829060029060d50160408051601f1981840301815290829052610ee591611bac565b602060405180830381855afa158015610f00573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610f239190611bb7565b9a509a509a5050505050505050505b93509350939050565b5f60025f60f81b83604051602001610f54929190611bce565b60408051601f1981840301815290829052610f6e91611bac565b602060405180830381855afa158015610f89573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610fac9190611bb7565b92915050565b604082015160208301515f9190811580610fcf5750600160401b82115b80610fda5750818110155b15610fe9575f92505050610a80565b5f805b6001841115611042575f610fff856110f0565b9050808410156110165793506001821b178361102f565b6110208185611a19565b935061102c8186611a19565b94505b8261103981611b56565b93505050610fec565b8651518214611057575f945050505050610a80565b855f5b838110156110e1578061106e600186611a19565b6110789190611a19565b6001901b8316156110b0576110a9828a5f0151838151811061109c5761109c61195f565b60200260200101516111eb565b91506110d9565b6110d6895f015182815181106110c8576110c861195f565b6020026020010151836111eb565b91505b60010161105a565b50909714979650505050505050565b5f806110fd600184611a19565b90505f600160801b821061111e57608091821c9161111b9082611a53565b90505b600160401b821061113c57604091821c916111399082611a53565b90505b640100000000821061115b57602091821c916111589082611a53565b90505b62010000821061117857601091821c916111759082611a53565b90505b610100821061119457600891821c916111919082611a53565b90505b601082106111af57600491821c916111ac9082611a53565b90505b600482106111ca57600291821c916111c79082611a53565b90505b600282106111e0576111dd600182611a53565b90505b6001901b9392505050565b604051600160f81b602082015260218101839052604181018290525f9060029060610160408051601f198184030181529082905261122891611bac565b602060405180830381855afa158015611243573d5f5f3e3d5ffd5b5050506040513d601f19601f82011682018060405250810190610a809190611bb7565b5f60208284031215611276575f5ffd5b5035919050565b634e487b7160e01b5f52604160045260245ffd5b604080519081016001600160401b03811182821017156112b3576112b361127d565b60405290565b604051606081016001600160401b03811182821017156112b3576112b361127d565b60405160c081016001600160401b03811182821017156112b3576112b361127d565b604051601f8201601f191681016001600160401b03811182821017156113255761132561127d565b604052919050565b5f6001600160401b038211156113455761134561127d565b5060051b60200190565b5f82601f83011261135e575f5ffd5b813561137161136c8261132d565b6112fd565b8082825260208201915060208360051b860101925085831115611392575f5ffd5b602085015b838110156114305780356001600160401b038111156113b4575f5ffd5b8601603f810188136113c4575f5ffd5b60208101356001600160401b038111156113e0576113e061127d565b6113f3601f8201601f19166020016112fd565b8181526040838301018a1015611407575f5ffd5b816040840160208301375f60208383010152808652505050602083019250602081019050611397565b5095945050505050565b5f6040828403121561144a575f5ffd5b611452611291565b905081356001600160f81b03198116811461146b575f5ffd5b8152602082013563ffffffff1981168114611484575f5ffd5b602082015292915050565b5f82601f83011261149e575f5ffd5b81356114ac61136c8261132d565b80828252602082019150602060a084028601019250858311156114cd575f5ffd5b602085015b838110156114305760a081880312156114e9575f5ffd5b6114f16112b9565b6114fb888361143a565b815261150a886040840161143a565b60208281019190915260808301356040830152908452929092019160a0016114d2565b5f82601f83011261153c575f5ffd5b813561154a61136c8261132d565b8082825260208201915060208360051b86010192508583111561156b575f5ffd5b602085015b838110156114305780356001600160401b0381111561158d575f5ffd5b86016060818903601f190112156115a2575f5ffd5b6115aa6112b9565b602082810135825260408301359082015260608201356001600160401b038111156115d3575f5ffd5b6115e28a60208386010161148f565b60408301525084525060209283019201611570565b5f60608284031215611607575f5ffd5b61160f6112b9565b905081356001600160401b03811115611626575f5ffd5b8201601f81018413611636575f5ffd5b803561164461136c8261132d565b8082825260208201915060208360051b850101925086831115611665575f5ffd5b6020840193505b8284101561168757833582526020938401939091019061166c565b84525050506020828101359082015260409182013591810191909152919050565b5f82601f8301126116b7575f5ffd5b81356116c561136c8261132d565b8082825260208201915060208360051b8601019250858311156116e6575f5ffd5b602085015b838110156114305780356001600160401b03811115611708575f5ffd5b611717886020838a01016115f7565b845250602092830192016116eb565b5f8183036080811215611737575f5ffd5b61173f6112b9565b8335815291506040601f1982011215611756575f5ffd5b5061175f611291565b602083810135825260408401358282015282015260608201356001600160401b0381111561178b575f5ffd5b611797848285016115f7565b60408301525092915050565b5f60e082840312156117b3575f5ffd5b6117bb6112db565b905081356001600160401b038111156117d2575f5ffd5b6117de8482850161134f565b82525060208201356001600160401b038111156117f9575f5ffd5b6118058482850161152d565b602083015250611818836040840161143a565b604082015260808201356001600160401b03811115611835575f5ffd5b6118418482850161148f565b60608301525060a08201356001600160401b0381111561185f575f5ffd5b61186b848285016116a8565b60808301525060c08201356001600160401b03811115611889575f5ffd5b61189584828501611726565b60a08301525092915050565b5f602082840312156118b1575f5ffd5b81356001600160401b038111156118c6575f5ffd5b610c47848285016117a3565b634e487b7160e01b5f52602160045260245ffd5b600c811061190257634e487b7160e01b5f52602160045260245ffd5b9052565b821515815260408101610a8060208301846118e6565b5f5f6040838503121561192d575f5ffd5b8235915060208301356001600160401b03811115611949575f5ffd5b611955858286016117a3565b9150509250929050565b634e487b7160e01b5f52603260045260245ffd5b60208101610fac82846118e6565b5f602082016020835280845180835260408501915060408160051b8601019250602086015f5b828110156119f957603f19878603018452815180518087528060208301602089015e5f602082890101526020601f19601f830116880101965050506020820191506020840193506001810190506119a7565b50929695505050505050565b634e487b7160e01b5f52601160045260245ffd5b81810381811115610fac57610fac611a05565b634e487b7160e01b5f52601260045260245ffd5b5f82611a4e57611a4e611a2c565b500490565b80820180821115610fac57610fac611a05565b8051602082015162ffffff1981169190601d821015611a975762ffffff1962ffffff1983601d0360031b1b82161692505b5050919050565b8381528251602082015260208301516040820152608060608201525f60e08201835160606080850152818151808452610100860191506020830193505f92505b80831015611b015783518252602082019150602084019350600183019250611ade565b50602086015160a0860152604086015160c0860152809350505050949350505050565b5f60208284031215611b34575f5ffd5b81518015158114610a80575f5ffd5b5f82611b5157611b51611a2c565b500690565b5f60018201611b6757611b67611a05565b5060010190565b5f81518060208401855e5f93019283525090919050565b6001600160f81b03198416815262ffffff19831660018201525f610bc8601e830184611b6e565b5f610a808284611b6e565b5f60208284031215611bc7575f5ffd5b5051919050565b6001600160f81b0319831681525f610c476001830184611b6e56fea26469706673582212207189e3ba324690eb1b4b4aa98f836421c8fa408bea13ec90da99e8f7cb98636864736f6c63430008250033",
}

// ValidiumExample is an auto generated Go binding around an Ethereum contract.
type ValidiumExample struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *ValidiumExample) GetABI() abi.ABI {
	return c.abi
}

// NewValidiumExample creates a new instance of ValidiumExample.
func NewValidiumExample() *ValidiumExample {
	parsed, err := ValidiumExampleMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &ValidiumExample{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *ValidiumExample) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address _blobstream, (bytes1,bytes28) _namespace) returns()
func (validiumExample *ValidiumExample) PackConstructor(_blobstream common.Address, _namespace Namespace) []byte {
	enc, err := validiumExample.abi.Pack("", _blobstream, _namespace)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0eaa75fe.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function batch(uint256 _index) view returns((bytes32,uint256,bytes32,bytes32))
func (validiumExample *ValidiumExample) PackBatch(index *big.Int) []byte {
	enc, err := validiumExample.abi.Pack("batch", index)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0eaa75fe.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function batch(uint256 _index) view returns((bytes32,uint256,bytes32,bytes32))
func (validiumExample *ValidiumExample) TryPackBatch(index *big.Int) ([]byte, error) {
	return validiumExample.abi.Pack("batch", index)
}

// UnpackBatch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0eaa75fe.
//
// Solidity: function batch(uint256 _index) view returns((bytes32,uint256,bytes32,bytes32))
func (validiumExample *ValidiumExample) UnpackBatch(data []byte) (ValidiumExampleBatch, error) {
	out, err := validiumExample.abi.Unpack("batch", data)
	if err != nil {
		return *new(ValidiumExampleBatch), err
	}
	out0 := *abi.ConvertType(out[0], new(ValidiumExampleBatch)).(*ValidiumExampleBatch)
	return out0, nil
}

// PackBatchCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06f13056.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function batchCount() view returns(uint256)
func (validiumExample *ValidiumExample) PackBatchCount() []byte {
	enc, err := validiumExample.abi.Pack("batchCount")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBatchCount is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06f13056.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function batchCount() view returns(uint256)
func (validiumExample *ValidiumExample) TryPackBatchCount() ([]byte, error) {
	return validiumExample.abi.Pack("batchCount")
}

// UnpackBatchCount is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x06f13056.
//
// Solidity: function batchCount() view returns(uint256)
func (validiumExample *ValidiumExample) UnpackBatchCount(data []byte) (*big.Int, error) {
	out, err := validiumExample.abi.Unpack("batchCount", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackBlobstream is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd49c2c51.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function blobstream() view returns(address)
func (validiumExample *ValidiumExample) PackBlobstream() []byte {
	enc, err := validiumExample.abi.Pack("blobstream")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackBlobstream is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xd49c2c51.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function blobstream() view returns(address)
func (validiumExample *ValidiumExample) TryPackBlobstream() ([]byte, error) {
	return validiumExample.abi.Pack("blobstream")
}

// UnpackBlobstream is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xd49c2c51.
//
// Solidity: function blobstream() view returns(address)
func (validiumExample *ValidiumExample) UnpackBlobstream(data []byte) (common.Address, error) {
	out, err := validiumExample.abi.Unpack("blobstream", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackNamespace is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7c015a89.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function namespace() view returns(bytes29)
func (validiumExample *ValidiumExample) PackNamespace() []byte {
	enc, err := validiumExample.abi.Pack("namespace")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackNamespace is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7c015a89.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function namespace() view returns(bytes29)
func (validiumExample *ValidiumExample) TryPackNamespace() ([]byte, error) {
	return validiumExample.abi.Pack("namespace")
}

// UnpackNamespace is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7c015a89.
//
// Solidity: function namespace() view returns(bytes29)
func (validiumExample *ValidiumExample) UnpackNamespace(data []byte) ([29]byte, error) {
	out, err := validiumExample.abi.Unpack("namespace", data)
	if err != nil {
		return *new([29]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([29]byte)).(*[29]byte)
	return out0, nil
}

// PackSubmitBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb93cd76f.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function submitBatch(bytes32 _stateRoot, (bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) returns(uint256 index)
func (validiumExample *ValidiumExample) PackSubmitBatch(stateRoot [32]byte, proof SharesProof) []byte {
	enc, err := validiumExample.abi.Pack("submitBatch", stateRoot, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSubmitBatch is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb93cd76f.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function submitBatch(bytes32 _stateRoot, (bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) returns(uint256 index)
func (validiumExample *ValidiumExample) TryPackSubmitBatch(stateRoot [32]byte, proof SharesProof) ([]byte, error) {
	return validiumExample.abi.Pack("submitBatch", stateRoot, proof)
}

// UnpackSubmitBatch is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xb93cd76f.
//
// Solidity: function submitBatch(bytes32 _stateRoot, (bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) returns(uint256 index)
func (validiumExample *ValidiumExample) UnpackSubmitBatch(data []byte) (*big.Int, error) {
	out, err := validiumExample.abi.Unpack("submitBatch", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackVerifyShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x879c6b8a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function verifyShares((bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) view returns(bool valid, uint8 code)
func (validiumExample *ValidiumExample) PackVerifyShares(proof SharesProof) []byte {
	enc, err := validiumExample.abi.Pack("verifyShares", proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackVerifyShares is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x879c6b8a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function verifyShares((bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) view returns(bool valid, uint8 code)
func (validiumExample *ValidiumExample) TryPackVerifyShares(proof SharesProof) ([]byte, error) {
	return validiumExample.abi.Pack("verifyShares", proof)
}

// VerifySharesOutput serves as a container for the return parameters of contract
// method VerifyShares.
type VerifySharesOutput struct {
	Valid bool
	Code  uint8
}

// UnpackVerifyShares is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x879c6b8a.
//
// Solidity: function verifyShares((bytes[],(uint256,uint256,((bytes1,bytes28),(bytes1,bytes28),bytes32)[])[],(bytes1,bytes28),((bytes1,bytes28),(bytes1,bytes28),bytes32)[],(bytes32[],uint256,uint256)[],(uint256,(uint256,bytes32),(bytes32[],uint256,uint256))) _proof) view returns(bool valid, uint8 code)
func (validiumExample *ValidiumExample) UnpackVerifyShares(data []byte) (VerifySharesOutput, error) {
	out, err := validiumExample.abi.Unpack("verifyShares", data)
	outstruct := new(VerifySharesOutput)
	if err != nil {
		return *outstruct, err
	}
	outstruct.Valid = *abi.ConvertType(out[0], new(bool)).(*bool)
	outstruct.Code = *abi.ConvertType(out[1], new(uint8)).(*uint8)
	return *outstruct, nil
}

// ValidiumExampleBatchAccepted represents a BatchAccepted event raised by the ValidiumExample contract.
type ValidiumExampleBatchAccepted struct {
	Index      *big.Int
	StateRoot  [32]byte
	Height     *big.Int
	SharesHash [32]byte
	Raw        *types.Log // Blockchain specific contextual infos
}

const ValidiumExampleBatchAcceptedEventName = "BatchAccepted"

// ContractEventName returns the user-defined event name.
func (ValidiumExampleBatchAccepted) ContractEventName() string {
	return ValidiumExampleBatchAcceptedEventName
}

// UnpackBatchAcceptedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event BatchAccepted(uint256 indexed index, bytes32 stateRoot, uint256 height, bytes32 sharesHash)
func (validiumExample *ValidiumExample) UnpackBatchAcceptedEvent(log *types.Log) (*ValidiumExampleBatchAccepted, error) {
	event := "BatchAccepted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != validiumExample.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(ValidiumExampleBatchAccepted)
	if len(log.Data) > 0 {
		if err := validiumExample.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range validiumExample.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (validiumExample *ValidiumExample) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], validiumExample.abi.Errors["InvalidSharesProof"].ID.Bytes()[:4]) {
		return validiumExample.UnpackInvalidSharesProofError(raw[4:])
	}
	if bytes.Equal(raw[:4], validiumExample.abi.Errors["WrongNamespace"].ID.Bytes()[:4]) {
		return validiumExample.UnpackWrongNamespaceError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// ValidiumExampleInvalidSharesProof represents a InvalidSharesProof error raised by the ValidiumExample contract.
type ValidiumExampleInvalidSharesProof struct {
	Code uint8
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidSharesProof(uint8 code)
func ValidiumExampleInvalidSharesProofErrorID() common.Hash {
	return common.HexToHash("0x4156344e11e41c488bd2c08e15401342a26e57f5f71e05881abc9a03a4fe7713")
}

// UnpackInvalidSharesProofError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidSharesProof(uint8 code)
func (validiumExample *ValidiumExample) UnpackInvalidSharesProofError(raw []byte) (*ValidiumExampleInvalidSharesProof, error) {
	out := new(ValidiumExampleInvalidSharesProof)
	if err := validiumExample.abi.UnpackIntoInterface(out, "InvalidSharesProof", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidiumExampleWrongNamespace represents a WrongNamespace error raised by the ValidiumExample contract.
type ValidiumExampleWrongNamespace struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error WrongNamespace()
func ValidiumExampleWrongNamespaceErrorID() common.Hash {
	return common.HexToHash("0xbc6de31f9bd964cfbf17ae9fb8e6ca0a2930204afd717bdefba09b82c648fa00")
}

// UnpackWrongNamespaceError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error WrongNamespace()
func (validiumExample *ValidiumExample) UnpackWrongNamespaceError(raw []byte) (*ValidiumExampleWrongNamespace, error) {
	out := new(ValidiumExampleWrongNamespace)
	if err := validiumExample.abi.UnpackIntoInterface(out, "WrongNamespace", raw); err != nil {
		return nil, err
	}
	return out, nil
}
