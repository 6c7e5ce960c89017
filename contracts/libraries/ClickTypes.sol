// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title EIP-712 struct hashes of Plaudit's signed messages
/// @notice The typed data readers and their session keys sign. The domain is
/// `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)` with name
/// "Plaudit", version "1", the chain id and the pool's address, so a signature is good for one pool on
/// one chain only.
library ClickTypes {
    /// @dev keccak256("Tally(address reader,uint64 epoch,uint64 seq,address[] creators,uint32[] counts)")
    bytes32 internal constant TALLY_TYPEHASH =
        keccak256("Tally(address reader,uint64 epoch,uint64 seq,address[] creators,uint32[] counts)");

    /// @dev keccak256("Session(address reader,address key,uint64 expiry)")
    bytes32 internal constant SESSION_TYPEHASH = keccak256("Session(address reader,address key,uint64 expiry)");

    /// @notice Struct hash of a cumulative tally: `reader`'s clicks in `epoch` as seen by one signing key,
    /// `counts[i]` clicks for `creators[i]`, the `seq`-th such tally of that key.
    function hashTally(
        address reader,
        uint64 epoch,
        uint64 seq,
        address[] calldata creators,
        uint32[] calldata counts
    ) internal pure returns (bytes32) {
        // EIP-712 encodes an array as the hash of its elements, each padded to 32 bytes: that is what
        // abi.encodePacked does to array elements.
        return keccak256(
            abi.encode(
                TALLY_TYPEHASH, reader, epoch, seq, keccak256(abi.encodePacked(creators)), keccak256(abi.encodePacked(counts))
            )
        );
    }

    /// @notice Struct hash of a session delegation: `reader` lets `key` sign its tallies of every epoch
    /// that ends at or before `expiry`.
    function hashSession(address reader, address key, uint64 expiry) internal pure returns (bytes32) {
        return keccak256(abi.encode(SESSION_TYPEHASH, reader, key, expiry));
    }
}
