// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

/// @notice One block's data root with its height, as Blobstream attests it.
/// A data commitment (the "data root tuple root") is the RFC-6962 binary
/// Merkle root over `abi.encode(tuple)` for every height of a window, in
/// height order.
/// @dev `dataRoot` is Quadrant's data root: the RFC-6962 root over the 2k row
/// roots then the 2k column roots of the extended square (DESIGN.md §7).
struct DataRootTuple {
    // Height of the Quadrant block whose square the data root commits to.
    uint256 height;
    // The block's data root.
    bytes32 dataRoot;
}
