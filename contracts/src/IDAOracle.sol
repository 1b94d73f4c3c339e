// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.22;

import "./DataRootTuple.sol";
import "./lib/BinaryMerkleTree.sol";

/// @notice Data-availability oracle interface, identical to Celestia
/// Blobstream's `IDAOracle`, so contracts written against Blobstream can use
/// Quadrant's attestations unchanged.
interface IDAOracle {
    /// @notice Verifies that a data root tuple is attested.
    /// @param _tupleRootNonce Nonce of the data root tuple root to prove against.
    /// @param _tuple Data root tuple whose inclusion is proven.
    /// @param _proof Binary Merkle proof of `abi.encode(_tuple)` against the
    /// tuple root attested at `_tupleRootNonce`.
    /// @return `true` if the proof is valid, `false` otherwise.
    function verifyAttestation(uint256 _tupleRootNonce, DataRootTuple memory _tuple, BinaryMerkleProof memory _proof)
        external
        view
        returns (bool);
}
