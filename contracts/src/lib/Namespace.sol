// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

/// @notice A 29-byte namespace: version (1 byte) and id (28 bytes), with the
/// fields of Celestia Blobstream's `Namespace`.
struct Namespace {
    bytes1 version;
    bytes28 id;
}

/// @notice A namespaced Merkle tree node: the smallest and largest namespace
/// under it and its SHA-256 digest (a 90-byte node min ‖ max ‖ digest when
/// hashed into its parent or into the data root).
struct NamespaceNode {
    Namespace min;
    Namespace max;
    bytes32 digest;
}

/// @notice NMT range proof of the leaves [beginKey, endKey) of one tree,
/// with the fields of Celestia Blobstream's `NamespaceMerkleMultiproof`.
/// `sideNodes` are the roots of the maximal subtrees left and right of the
/// range, left to right (the nodes of Celestia's `nmt.Proof`).
struct NamespaceMerkleMultiproof {
    uint256 beginKey;
    uint256 endKey;
    NamespaceNode[] sideNodes;
}

/// @notice The 29 bytes of a namespace, version first.
function namespaceBytes(Namespace memory n) pure returns (bytes29) {
    return bytes29(n.version) | (bytes29(n.id) >> 8);
}
