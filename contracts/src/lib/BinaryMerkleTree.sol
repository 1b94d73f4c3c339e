// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

/// @notice Inclusion proof of one leaf in an RFC-6962 binary Merkle tree,
/// with the fields of Celestia Blobstream's `BinaryMerkleProof`.
struct BinaryMerkleProof {
    // Sibling hashes from the leaf up to the root: sideNodes[0] is the
    // leaf's sibling, the last one a child of the root.
    bytes32[] sideNodes;
    // Index of the leaf.
    uint256 key;
    // Number of leaves in the tree.
    uint256 numLeaves;
}

/// @title RFC-6962 binary Merkle tree over SHA-256.
/// @notice leaf = sha256(0x00 ‖ data), inner = sha256(0x01 ‖ left ‖ right);
/// a tree of n > 1 leaves puts the largest power of two below n on the left.
/// This is CometBFT's and Celestia's tree (and Quadrant's `da.MerkleRoot`).
library BinaryMerkleTree {
    /// @dev Proofs for trees larger than this are refused, which bounds the
    /// path length (and the turn bitmap below) to 64 levels.
    uint256 internal constant MAX_LEAVES = 1 << 64;

    /// @notice Reports whether `data` is leaf `proof.key` of a tree of
    /// `proof.numLeaves` leaves whose root is `root`. A malformed proof
    /// (key out of range, wrong number of side nodes) is invalid.
    function verify(bytes32 root, BinaryMerkleProof memory proof, bytes memory data) internal pure returns (bool) {
        return verifyLeafDigest(root, proof, leafDigest(data));
    }

    /// @notice `verify` for a leaf already hashed with `leafDigest`.
    function verifyLeafDigest(bytes32 root, BinaryMerkleProof memory proof, bytes32 leaf)
        internal
        pure
        returns (bool)
    {
        uint256 n = proof.numLeaves;
        uint256 key = proof.key;
        if (n == 0 || n > MAX_LEAVES || key >= n) {
            return false;
        }
        // Walk from the root down to the leaf; bit d of `leftTurns` says the
        // path goes to the left child at depth d.
        uint256 depth = 0;
        uint256 leftTurns = 0;
        while (n > 1) {
            uint256 k = splitPoint(n);
            if (key < k) {
                leftTurns |= 1 << depth;
                n = k;
            } else {
                key -= k;
                n -= k;
            }
            depth++;
        }
        if (proof.sideNodes.length != depth) {
            return false;
        }
        // Hash back up: side node i is the sibling at depth depth-1-i.
        bytes32 h = leaf;
        for (uint256 i = 0; i < depth; i++) {
            if (leftTurns & (1 << (depth - 1 - i)) != 0) {
                h = nodeDigest(h, proof.sideNodes[i]);
            } else {
                h = nodeDigest(proof.sideNodes[i], h);
            }
        }
        return h == root;
    }

    /// @notice sha256(0x00 ‖ data).
    function leafDigest(bytes memory data) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x00), data));
    }

    /// @notice sha256(0x01 ‖ left ‖ right).
    function nodeDigest(bytes32 left, bytes32 right) internal pure returns (bytes32) {
        return sha256(abi.encodePacked(bytes1(0x01), left, right));
    }

    /// @notice The largest power of two strictly below n, for n ≥ 2: the
    /// number of leaves in the left subtree.
    function splitPoint(uint256 n) internal pure returns (uint256) {
        uint256 x = n - 1;
        uint256 r = 0;
        if (x >= 1 << 128) {
            x >>= 128;
            r += 128;
        }
        if (x >= 1 << 64) {
            x >>= 64;
            r += 64;
        }
        if (x >= 1 << 32) {
            x >>= 32;
            r += 32;
        }
        if (x >= 1 << 16) {
            x >>= 16;
            r += 16;
        }
        if (x >= 1 << 8) {
            x >>= 8;
            r += 8;
        }
        if (x >= 1 << 4) {
            x >>= 4;
            r += 4;
        }
        if (x >= 1 << 2) {
            x >>= 2;
            r += 2;
        }
        if (x >= 1 << 1) {
            r += 1;
        }
        return 1 << r;
    }
}
