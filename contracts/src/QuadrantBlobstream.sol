// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

import "./DataRootTuple.sol";
import "./IDAOracle.sol";
import "./lib/BinaryMerkleTree.sol";

/// @notice A member of the attesting validator set: its Ethereum address and
/// voting power. A set is ordered by power, highest first.
struct Validator {
    address addr;
    uint256 power;
}

/// @notice A secp256k1 signature (v is 27 or 28). All zero means "did not sign".
struct Signature {
    uint8 v;
    bytes32 r;
    bytes32 s;
}

/// @title QuadrantBlobstream: Quadrant → EVM data-root attestations.
/// @notice Implements Celestia Blobstream's interface: the function, event,
/// error and state-getter signatures are Blobstream's, so relayers and
/// validium contracts written for Blobstream work unchanged.
///
/// Quadrant's validators sign, every data-commitment window, the RFC-6962
/// root of the window's `abi.encode(DataRootTuple)` leaves in the digest
/// `keccak256(abi.encode(bytes32("transactionBatch"), nonce, tupleRoot))`,
/// and validator-set changes in the digest `keccak256(abi.encode(
/// bytes32("checkpoint"), nonce, powerThreshold, validatorSetHash))`, where
/// the set hash is `keccak256(abi.encode(Validator[]))` over the set sorted
/// by power, highest first, and the threshold is ⌊2P/3⌋+1 of its total
/// power P. Signatures are EIP-191 signed messages over the digest. An
/// update is accepted only with valid signatures of the current set whose
/// powers add up to at least its threshold; both kinds of update share one
/// nonce, which must grow by exactly one each time.
/// @dev Differences from Celestia's contract, none visible in the ABI: it is
/// not upgradeable and has no owner (the constructor takes the initial
/// checkpoint); a zero power threshold is refused; signatures with a high s
/// value or a v other than 27/28 are refused.
contract QuadrantBlobstream is IDAOracle {
    /// @notice bytes32("checkpoint"), the domain separator of validator-set checkpoints.
    bytes32 internal constant VALIDATOR_SET_HASH_DOMAIN_SEPARATOR = bytes32("checkpoint");
    /// @notice bytes32("transactionBatch"), the domain separator of data root tuple roots.
    bytes32 internal constant DATA_ROOT_TUPLE_ROOT_DOMAIN_SEPARATOR = bytes32("transactionBatch");

    /// @dev Half the secp256k1 group order: larger s values are malleable.
    uint256 private constant SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice Domain-separated commitment to the current validator set.
    bytes32 public state_lastValidatorSetCheckpoint;
    /// @notice Voting power the current set's signatures must reach.
    uint256 public state_powerThreshold;
    /// @notice Nonce of the latest update (tuple root or validator set).
    uint256 public state_eventNonce;
    /// @notice Data root tuple root attested at each nonce (zero for validator-set nonces).
    mapping(uint256 => bytes32) public state_dataRootTupleRoots;

    /// @notice A data root tuple root was attested at `nonce`.
    event DataRootTupleRootEvent(uint256 indexed nonce, bytes32 dataRootTupleRoot);
    /// @notice The validator set changed at `nonce`.
    event ValidatorSetUpdatedEvent(uint256 indexed nonce, uint256 powerThreshold, bytes32 validatorSetHash);

    /// @notice The validator and signature arrays differ in length.
    error MalformedCurrentValidatorSet();
    /// @notice A present signature is not the validator's.
    error InvalidSignature();
    /// @notice The valid signatures do not reach the power threshold.
    error InsufficientVotingPower();
    /// @notice A validator-set update's nonce is not the current nonce plus one.
    error InvalidValidatorSetNonce();
    /// @notice The supplied validator set and nonce do not match the stored checkpoint.
    error SuppliedValidatorSetInvalid();
    /// @notice A tuple root's nonce is not the current nonce plus one.
    error InvalidDataRootTupleRootNonce();
    /// @notice (Quadrant) A power threshold of zero would let anyone update.
    error ZeroPowerThreshold();

    /// @param _nonce Initial nonce (the nonce of the initial validator set).
    /// @param _powerThreshold The initial set's power threshold.
    /// @param _validatorSetHash The initial set's hash.
    constructor(uint256 _nonce, uint256 _powerThreshold, bytes32 _validatorSetHash) {
        if (_powerThreshold == 0) {
            revert ZeroPowerThreshold();
        }
        state_eventNonce = _nonce;
        state_powerThreshold = _powerThreshold;
        state_lastValidatorSetCheckpoint = domainSeparateValidatorSetHash(_nonce, _powerThreshold, _validatorSetHash);
        emit ValidatorSetUpdatedEvent(_nonce, _powerThreshold, _validatorSetHash);
    }

    /// @notice Replaces the validator set, with signatures of the current set
    /// over the new set's checkpoint.
    /// @param _newNonce The new nonce: the current nonce plus one.
    /// @param _oldNonce The nonce at which the current set was installed.
    /// @param _newPowerThreshold The new set's power threshold.
    /// @param _newValidatorSetHash The new set's hash.
    /// @param _currentValidatorSet The current set, as committed in the checkpoint.
    /// @param _sigs One signature per member of the current set (zero if absent).
    function updateValidatorSet(
        uint256 _newNonce,
        uint256 _oldNonce,
        uint256 _newPowerThreshold,
        bytes32 _newValidatorSetHash,
        Validator[] calldata _currentValidatorSet,
        Signature[] calldata _sigs
    ) external {
        if (_newNonce != state_eventNonce + 1) {
            revert InvalidValidatorSetNonce();
        }
        if (_newPowerThreshold == 0) {
            revert ZeroPowerThreshold();
        }
        checkCurrentValidatorSet(_oldNonce, _currentValidatorSet, _sigs);
        bytes32 newCheckpoint = domainSeparateValidatorSetHash(_newNonce, _newPowerThreshold, _newValidatorSetHash);
        checkValidatorSignatures(_currentValidatorSet, _sigs, newCheckpoint, state_powerThreshold);

        state_lastValidatorSetCheckpoint = newCheckpoint;
        state_powerThreshold = _newPowerThreshold;
        state_eventNonce = _newNonce;
        emit ValidatorSetUpdatedEvent(_newNonce, _newPowerThreshold, _newValidatorSetHash);
    }

    /// @notice Attests a data root tuple root, with signatures of the current
    /// set over its digest.
    /// @param _newNonce The new nonce: the current nonce plus one.
    /// @param _validatorSetNonce The nonce at which the current set was installed.
    /// @param _dataRootTupleRoot The RFC-6962 root of the window's encoded tuples.
    /// @param _currentValidatorSet The current set, as committed in the checkpoint.
    /// @param _sigs One signature per member of the current set (zero if absent).
    function submitDataRootTupleRoot(
        uint256 _newNonce,
        uint256 _validatorSetNonce,
        bytes32 _dataRootTupleRoot,
        Validator[] calldata _currentValidatorSet,
        Signature[] calldata _sigs
    ) external {
        if (_newNonce != state_eventNonce + 1) {
            revert InvalidDataRootTupleRootNonce();
        }
        checkCurrentValidatorSet(_validatorSetNonce, _currentValidatorSet, _sigs);
        bytes32 digest = domainSeparateDataRootTupleRoot(_newNonce, _dataRootTupleRoot);
        checkValidatorSignatures(_currentValidatorSet, _sigs, digest, state_powerThreshold);

        state_eventNonce = _newNonce;
        state_dataRootTupleRoots[_newNonce] = _dataRootTupleRoot;
        emit DataRootTupleRootEvent(_newNonce, _dataRootTupleRoot);
    }

    /// @inheritdoc IDAOracle
    function verifyAttestation(uint256 _tupleRootNonce, DataRootTuple memory _tuple, BinaryMerkleProof memory _proof)
        external
        view
        override
        returns (bool)
    {
        if (_tupleRootNonce > state_eventNonce) {
            return false;
        }
        bytes32 root = state_dataRootTupleRoots[_tupleRootNonce];
        if (root == bytes32(0)) {
            return false;
        }
        return BinaryMerkleTree.verify(root, _proof, abi.encode(_tuple));
    }

    /// @dev Reverts unless the set is well formed and is the one committed at `_setNonce`.
    function checkCurrentValidatorSet(uint256 _setNonce, Validator[] calldata _set, Signature[] calldata _sigs)
        private
        view
    {
        if (_set.length != _sigs.length) {
            revert MalformedCurrentValidatorSet();
        }
        bytes32 setHash = keccak256(abi.encode(_set));
        if (domainSeparateValidatorSetHash(_setNonce, state_powerThreshold, setHash) != state_lastValidatorSetCheckpoint)
        {
            revert SuppliedValidatorSetInvalid();
        }
    }

    /// @dev Reverts unless the present signatures are all valid and their
    /// validators' powers reach `_powerThreshold`. Stops at the first
    /// signature that reaches it.
    function checkValidatorSignatures(
        Validator[] calldata _set,
        Signature[] calldata _sigs,
        bytes32 _digest,
        uint256 _powerThreshold
    ) private pure {
        bytes32 signed = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", _digest));
        uint256 power = 0;
        for (uint256 i = 0; i < _set.length; i++) {
            Signature calldata sig = _sigs[i];
            if (sig.v == 0 && sig.r == 0 && sig.s == 0) {
                continue;
            }
            if ((sig.v != 27 && sig.v != 28) || uint256(sig.s) > SECP256K1_HALF_ORDER) {
                revert InvalidSignature();
            }
            address signer = ecrecover(signed, sig.v, sig.r, sig.s);
            if (signer == address(0) || signer != _set[i].addr) {
                revert InvalidSignature();
            }
            power += _set[i].power;
            if (power >= _powerThreshold) {
                return;
            }
        }
        revert InsufficientVotingPower();
    }

    /// @dev keccak256(abi.encode("checkpoint", nonce, powerThreshold, validatorSetHash)).
    function domainSeparateValidatorSetHash(uint256 _nonce, uint256 _powerThreshold, bytes32 _validatorSetHash)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(VALIDATOR_SET_HASH_DOMAIN_SEPARATOR, _nonce, _powerThreshold, _validatorSetHash));
    }

    /// @dev keccak256(abi.encode("transactionBatch", nonce, dataRootTupleRoot)).
    function domainSeparateDataRootTupleRoot(uint256 _nonce, bytes32 _dataRootTupleRoot)
        private
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(DATA_ROOT_TUPLE_ROOT_DOMAIN_SEPARATOR, _nonce, _dataRootTupleRoot));
    }
}
