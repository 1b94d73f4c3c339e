// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

import "../IDAOracle.sol";
import "../lib/DAVerifier.sol";
import "../lib/Namespace.sol";

/// @title ValidiumExample: a settlement contract that accepts a batch only
/// with proof that the batch's data is on Quadrant.
/// @notice Each batch names a new state root and carries a `SharesProof`
/// that the shares of its blob, in the validium's namespace, are in a
/// Quadrant block whose data root is attested by the Blobstream-compatible
/// oracle. The contract records the batch with the keccak256 hash of those
/// shares, which is what its (omitted) state-transition proof would commit
/// to. It is an example: it checks data availability and nothing else.
contract ValidiumExample {
    /// @notice An accepted batch.
    struct Batch {
        bytes32 stateRoot;
        uint256 height;
        bytes32 dataRoot;
        bytes32 sharesHash;
    }

    /// @notice The Blobstream-compatible oracle attesting Quadrant's data roots.
    IDAOracle public immutable blobstream;
    /// @notice The validium's namespace (29 bytes).
    bytes29 public immutable namespace;

    Batch[] private batches;

    /// @notice A batch was accepted.
    event BatchAccepted(uint256 indexed index, bytes32 stateRoot, uint256 height, bytes32 sharesHash);

    /// @notice The proof's shares are not in the validium's namespace.
    error WrongNamespace();
    /// @notice The proof does not show the shares in an attested data root.
    error InvalidSharesProof(DAVerifier.ErrorCodes code);

    constructor(IDAOracle _blobstream, Namespace memory _namespace) {
        blobstream = _blobstream;
        namespace = namespaceBytes(_namespace);
    }

    /// @notice Accepts a batch whose data are the shares in `_proof`; reverts
    /// with WrongNamespace or InvalidSharesProof otherwise.
    function submitBatch(bytes32 _stateRoot, SharesProof memory _proof) external returns (uint256 index) {
        (bool ok, DAVerifier.ErrorCodes code) = verifyShares(_proof);
        if (!ok) {
            revert InvalidSharesProof(code);
        }
        DataRootTuple memory tuple = _proof.attestationProof.tuple;
        bytes32 sharesHash = keccak256(abi.encode(_proof.data));
        batches.push(Batch(_stateRoot, tuple.height, tuple.dataRoot, sharesHash));
        index = batches.length - 1;
        emit BatchAccepted(index, _stateRoot, tuple.height, sharesHash);
    }

    /// @notice Reports whether `_proof` shows its shares in an attested data
    /// root, and if not why; reverts with WrongNamespace if the shares are
    /// not in the validium's namespace.
    function verifyShares(SharesProof memory _proof) public view returns (bool valid, DAVerifier.ErrorCodes code) {
        if (namespaceBytes(_proof.namespace) != namespace) {
            revert WrongNamespace();
        }
        return DAVerifier.verifySharesToDataRootTupleRoot(blobstream, _proof, _proof.attestationProof.tuple.dataRoot);
    }

    /// @notice The number of accepted batches.
    function batchCount() external view returns (uint256) {
        return batches.length;
    }

    /// @notice The accepted batch at `_index`.
    function batch(uint256 _index) external view returns (Batch memory) {
        return batches[_index];
    }
}
