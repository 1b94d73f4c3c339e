// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

import "./Namespace.sol";

/// @title Namespaced Merkle tree verification for Quadrant's (and Celestia's)
/// row and column trees.
/// @notice leaf node = (ns, ns, sha256(0x00 ‖ ns ‖ data)); inner node =
/// (left.min, max, sha256(0x01 ‖ left ‖ right)) over the 90-byte children,
/// where max is left.max when right.min is the parity namespace (0xFF × 29)
/// and right.max otherwise. Children must be well formed (min ≤ max) and in
/// namespace order (left.max ≤ right.min), as Quadrant's `da.HashNode`
/// requires.
/// @dev Unlike Celestia's verifier, this one is told the tree's width, which
/// must be a power of two: Quadrant's axis trees have 2k leaves, and the
/// caller learns k from the row root's authenticated position among the
/// 4k axis roots. Knowing the width makes the tree's shape fixed, so the
/// proof's range and side-node count are checked exactly.
library NamespaceMerkleTree {
    /// @notice The parity namespace, 0xFF × 29.
    bytes29 internal constant PARITY_NAMESPACE = bytes29(type(uint232).max);

    /// @dev Verification state shared by the recursion.
    struct Walk {
        uint256 begin;
        uint256 end;
        bytes29 ns;
        NamespaceNode[] sideNodes;
        uint256 nextSide;
        bytes[] data;
        uint256 nextLeaf;
        bool ok;
    }

    /// @notice Reports whether `data` (each the full leaf payload, for a share
    /// the whole 512-byte share) are the leaves [proof.beginKey,
    /// proof.endKey) of namespace `ns` in the tree of `width` leaves whose
    /// root is `root`.
    function verifyMulti(
        NamespaceNode memory root,
        NamespaceMerkleMultiproof memory proof,
        Namespace memory ns,
        bytes[] memory data,
        uint256 width
    ) internal pure returns (bool) {
        if (width == 0 || width & (width - 1) != 0) {
            return false;
        }
        if (proof.beginKey >= proof.endKey || proof.endKey > width) {
            return false;
        }
        if (data.length != proof.endKey - proof.beginKey) {
            return false;
        }
        Walk memory w = Walk({
            begin: proof.beginKey,
            end: proof.endKey,
            ns: namespaceBytes(ns),
            sideNodes: proof.sideNodes,
            nextSide: 0,
            data: data,
            nextLeaf: 0,
            ok: true
        });
        (bytes29 mn, bytes29 mx, bytes32 d) = subtreeRoot(w, 0, width);
        return w.ok && w.nextSide == proof.sideNodes.length && mn == namespaceBytes(root.min)
            && mx == namespaceBytes(root.max) && d == root.digest;
    }

    /// @dev The node over leaves [lo, hi) (hi - lo a power of two): a side
    /// node if the subtree is outside the proven range, else hashed from
    /// its children or, for a leaf, from the next data item. Sets w.ok to
    /// false on a malformed proof.
    function subtreeRoot(Walk memory w, uint256 lo, uint256 hi) private pure returns (bytes29, bytes29, bytes32) {
        if (hi <= w.begin || lo >= w.end) {
            if (w.nextSide >= w.sideNodes.length) {
                w.ok = false;
                return (0, 0, 0);
            }
            NamespaceNode memory s = w.sideNodes[w.nextSide++];
            return (namespaceBytes(s.min), namespaceBytes(s.max), s.digest);
        }
        if (hi - lo == 1) {
            bytes memory leaf = w.data[w.nextLeaf++];
            return (w.ns, w.ns, sha256(abi.encodePacked(bytes1(0x00), w.ns, leaf)));
        }
        uint256 mid = lo + (hi - lo) / 2;
        (bytes29 lmin, bytes29 lmax, bytes32 ld) = subtreeRoot(w, lo, mid);
        (bytes29 rmin, bytes29 rmax, bytes32 rd) = subtreeRoot(w, mid, hi);
        if (!w.ok || lmin > lmax || rmin > rmax || lmax > rmin) {
            w.ok = false;
            return (0, 0, 0);
        }
        bytes29 mx = rmin == PARITY_NAMESPACE ? lmax : rmax;
        return (lmin, mx, sha256(abi.encodePacked(bytes1(0x01), lmin, lmax, ld, rmin, rmax, rd)));
    }
}
