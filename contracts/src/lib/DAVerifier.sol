// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

import "../DataRootTuple.sol";
import "../IDAOracle.sol";
import "./BinaryMerkleTree.sol";
import "./Namespace.sol";
import "./NamespaceMerkleTree.sol";

/// @notice Proof that shares are in a block whose data root is attested by a
/// Blobstream-compatible oracle, with the fields of Celestia Blobstream's
/// `SharesProof`: the shares, per row they span an NMT range proof against
/// that row's root, the row roots with their binary Merkle proofs against
/// the data root, and the data root tuple's proof against an attested
/// tuple root.
struct SharesProof {
    // The shares, 512 bytes each, in row-major order.
    bytes[] data;
    // One NMT range proof per row spanned, in row order.
    NamespaceMerkleMultiproof[] shareProofs;
    // The namespace of every share.
    Namespace namespace;
    // The roots of the rows spanned.
    NamespaceNode[] rowRoots;
    // The proofs of rowRoots against the data root (leaves of the 4k axis roots).
    BinaryMerkleProof[] rowProofs;
    // The proof of the data root tuple against an attested tuple root.
    AttestationProof attestationProof;
}

/// @notice Proof that a data root tuple is in the tuple root attested at a
/// nonce, with the fields of Celestia Blobstream's `AttestationProof`.
struct AttestationProof {
    uint256 tupleRootNonce;
    DataRootTuple tuple;
    BinaryMerkleProof proof;
}

/// @title DAVerifier: checks that shares are in a Quadrant block attested by
/// a Blobstream-compatible oracle.
/// @notice Same entry points and error codes as Celestia Blobstream's
/// `DAVerifier` library (Quadrant's codes are appended). Quadrant is
/// stricter: the data root passed in must be the attested tuple's; only
/// shares of the original data square are accepted (rows and columns below
/// k, with k taken from the row proofs' authenticated leaf count 4k); every
/// share is 512 bytes and begins with the proof's namespace.
library DAVerifier {
    /// @notice Shares are 512 bytes (DESIGN.md §7).
    uint256 internal constant SHARE_SIZE = 512;

    enum ErrorCodes {
        NoError,
        /// @notice The shares to the rows proof is invalid.
        InvalidSharesToRowsProof,
        /// @notice The rows to the data root proof is invalid.
        InvalidRowsToDataRootProof,
        /// @notice The row to the data root proof is invalid.
        InvalidRowToDataRootProof,
        /// @notice The data root tuple to the data root tuple root proof is invalid.
        InvalidDataRootTupleToDataRootTupleRootProof,
        /// @notice The number of share proofs isn't equal to the number of row roots.
        UnequalShareProofsAndRowRootsNumber,
        /// @notice The number of row proofs isn't equal to the number of row roots.
        UnequalRowProofsAndRowRootsNumber,
        /// @notice The data length isn't equal to the number of shares in the share proofs.
        UnequalDataLengthAndNumberOfSharesProofs,
        /// @notice The number of leaves in a row proof is not 4 times a power of two.
        InvalidNumberOfLeavesInProof,
        /// @notice (Quadrant) The data root given is not the attested tuple's.
        DataRootMismatch,
        /// @notice (Quadrant) A row or share range lies outside the original data square.
        SharesOutsideOriginalSquare,
        /// @notice (Quadrant) A share is not 512 bytes or does not begin with the namespace.
        InvalidShare
    }

    /// @notice Verifies that `_sharesProof.data` are shares of the block whose
    /// data root `_root` is attested by `_bridge`.
    /// @return `true` and NoError if the proof is valid, else `false` and why.
    function verifySharesToDataRootTupleRoot(IDAOracle _bridge, SharesProof memory _sharesProof, bytes32 _root)
        internal
        view
        returns (bool, ErrorCodes)
    {
        (bool ok, ErrorCodes code) = verifyMultiRowRootsToDataRootTupleRoot(
            _bridge, _sharesProof.rowRoots, _sharesProof.rowProofs, _sharesProof.attestationProof, _root
        );
        if (!ok) {
            return (false, code);
        }
        return verifySharesToRowRoots(_sharesProof);
    }

    /// @dev Checks the shares against the row roots, which were checked
    /// against the data root (so each row proof's numLeaves is 4k, k a power
    /// of two).
    function verifySharesToRowRoots(SharesProof memory _sharesProof) private pure returns (bool, ErrorCodes) {
        NamespaceMerkleMultiproof[] memory proofs = _sharesProof.shareProofs;
        if (proofs.length != _sharesProof.rowRoots.length) {
            return (false, ErrorCodes.UnequalShareProofsAndRowRootsNumber);
        }
        uint256 total = 0;
        for (uint256 i = 0; i < proofs.length; i++) {
            if (proofs[i].endKey <= proofs[i].beginKey) {
                return (false, ErrorCodes.InvalidSharesToRowsProof);
            }
            if (proofs[i].endKey > _sharesProof.rowProofs[i].numLeaves / 4) {
                return (false, ErrorCodes.SharesOutsideOriginalSquare);
            }
            total += proofs[i].endKey - proofs[i].beginKey;
        }
        if (_sharesProof.data.length != total) {
            return (false, ErrorCodes.UnequalDataLengthAndNumberOfSharesProofs);
        }
        bytes29 ns = namespaceBytes(_sharesProof.namespace);
        for (uint256 i = 0; i < total; i++) {
            if (_sharesProof.data[i].length != SHARE_SIZE || bytes29(_sharesProof.data[i]) != ns) {
                return (false, ErrorCodes.InvalidShare);
            }
        }
        uint256 cursor = 0;
        for (uint256 i = 0; i < proofs.length; i++) {
            uint256 used = proofs[i].endKey - proofs[i].beginKey;
            bytes[] memory rowShares = slice(_sharesProof.data, cursor, cursor + used);
            uint256 width = _sharesProof.rowProofs[i].numLeaves / 2;
            if (!NamespaceMerkleTree.verifyMulti(_sharesProof.rowRoots[i], proofs[i], _sharesProof.namespace, rowShares, width)) {
                return (false, ErrorCodes.InvalidSharesToRowsProof);
            }
            cursor += used;
        }
        return (true, ErrorCodes.NoError);
    }

    /// @notice Verifies that `_rowRoot` is an original-square row root of the
    /// block whose data root `_root` is attested by `_bridge`.
    function verifyRowRootToDataRootTupleRoot(
        IDAOracle _bridge,
        NamespaceNode memory _rowRoot,
        BinaryMerkleProof memory _rowProof,
        AttestationProof memory _attestationProof,
        bytes32 _root
    ) internal view returns (bool, ErrorCodes) {
        (bool ok, ErrorCodes code) = verifyAttested(_bridge, _attestationProof, _root);
        if (!ok) {
            return (false, code);
        }
        (ok, code) = verifyRowRoot(_rowRoot, _rowProof, _root);
        if (!ok) {
            return (false, code == ErrorCodes.InvalidRowsToDataRootProof ? ErrorCodes.InvalidRowToDataRootProof : code);
        }
        return (true, ErrorCodes.NoError);
    }

    /// @notice Verifies that `_rowRoots` are original-square row roots of the
    /// block whose data root `_root` is attested by `_bridge`.
    function verifyMultiRowRootsToDataRootTupleRoot(
        IDAOracle _bridge,
        NamespaceNode[] memory _rowRoots,
        BinaryMerkleProof[] memory _rowProofs,
        AttestationProof memory _attestationProof,
        bytes32 _root
    ) internal view returns (bool, ErrorCodes) {
        (bool ok, ErrorCodes code) = verifyAttested(_bridge, _attestationProof, _root);
        if (!ok) {
            return (false, code);
        }
        if (_rowProofs.length != _rowRoots.length) {
            return (false, ErrorCodes.UnequalRowProofsAndRowRootsNumber);
        }
        for (uint256 i = 0; i < _rowProofs.length; i++) {
            (ok, code) = verifyRowRoot(_rowRoots[i], _rowProofs[i], _root);
            if (!ok) {
                return (false, code);
            }
        }
        return (true, ErrorCodes.NoError);
    }

    /// @notice The original square's width k from a row root's proof against
    /// the data root (4k leaves). Not authenticated: verify the proof first.
    function computeSquareSizeFromRowProof(BinaryMerkleProof memory _proof)
        internal
        pure
        returns (uint256, ErrorCodes)
    {
        uint256 k = _proof.numLeaves / 4;
        if (_proof.numLeaves % 4 != 0 || k == 0 || k & (k - 1) != 0) {
            return (0, ErrorCodes.InvalidNumberOfLeavesInProof);
        }
        return (k, ErrorCodes.NoError);
    }

    /// @dev Checks that `_root` is the tuple's data root and the tuple is attested.
    function verifyAttested(IDAOracle _bridge, AttestationProof memory _attestationProof, bytes32 _root)
        private
        view
        returns (bool, ErrorCodes)
    {
        if (_attestationProof.tuple.dataRoot != _root) {
            return (false, ErrorCodes.DataRootMismatch);
        }
        if (!_bridge.verifyAttestation(_attestationProof.tupleRootNonce, _attestationProof.tuple, _attestationProof.proof))
        {
            return (false, ErrorCodes.InvalidDataRootTupleToDataRootTupleRootProof);
        }
        return (true, ErrorCodes.NoError);
    }

    /// @dev Checks one row root against the data root: 4k leaves with k a
    /// power of two (so the proof's shape fixes k and the key), a row of the
    /// original square (key < k), and a valid Merkle proof of the 90-byte node.
    function verifyRowRoot(NamespaceNode memory _rowRoot, BinaryMerkleProof memory _rowProof, bytes32 _root)
        private
        pure
        returns (bool, ErrorCodes)
    {
        (uint256 k, ErrorCodes code) = computeSquareSizeFromRowProof(_rowProof);
        if (code != ErrorCodes.NoError) {
            return (false, code);
        }
        if (_rowProof.key >= k) {
            return (false, ErrorCodes.SharesOutsideOriginalSquare);
        }
        bytes memory node = abi.encodePacked(namespaceBytes(_rowRoot.min), namespaceBytes(_rowRoot.max), _rowRoot.digest);
        if (!BinaryMerkleTree.verify(_root, _rowProof, node)) {
            return (false, ErrorCodes.InvalidRowsToDataRootProof);
        }
        return (true, ErrorCodes.NoError);
    }

    /// @notice The items [_begin, _end) of `_data` (a new array aliasing the items).
    function slice(bytes[] memory _data, uint256 _begin, uint256 _end) internal pure returns (bytes[] memory) {
        bytes[] memory out = new bytes[](_end - _begin);
        for (uint256 i = _begin; i < _end; i++) {
            out[i - _begin] = _data[i];
        }
        return out;
    }
}
