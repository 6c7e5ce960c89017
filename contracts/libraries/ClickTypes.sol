// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title EIP-712 struct hashes of Plaudit's signed messages
/// @notice The typed data readers and their session keys sign. The domain is
/// `EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)` with name
/// "Plaudit", version "1", the chain id and the pool's address, so a signature is good for one pool on
/// one chain only.
library ClickTypes {
    /// @dev keccak256("Tally(address reader,uint64 epoch,uint64 seq,address[] creators,uint32[] counts)")
    bytes32 internal constant TALLY_TYPEHASH = keccak256(
        "Tally(address reader,uint64 epoch,uint64 seq,address[] creators,uint32[] counts)"
    );

    /// @dev keccak256("Session(address reader,address key,uint64 expiry,uint32 nonce)")
    bytes32 internal constant SESSION_TYPEHASH = keccak256(
        "Session(address reader,address key,uint64 expiry,uint32 nonce)"
    );

    /// @notice Struct hash of a cumulative tally: `reader`'s clicks in `epoch` as seen by one signing key,
    /// the `seq`-th such tally of that key. `creatorsHash` and `countsHash` are the EIP-712 hashes of the
    /// `creators` and `counts` arrays (see {hashWords}).
    function hashTally(
        address reader,
        uint64 epoch,
        uint64 seq,
        bytes32 creatorsHash,
        bytes32 countsHash
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(TALLY_TYPEHASH, reader, epoch, seq, creatorsHash, countsHash));
    }

    /// @notice Struct hash of a session delegation: `reader` lets `key` sign its tallies of every epoch
    /// that ends at or before `expiry`, until the reader moves past session nonce `nonce`.
    function hashSession(address reader, address key, uint64 expiry, uint32 nonce) internal pure returns (bytes32) {
        return keccak256(abi.encode(SESSION_TYPEHASH, reader, key, expiry, nonce));
    }

    /// @notice The EIP-712 hash of an array of 32-byte words (`address[]` and `uint32[]` elements are
    /// encoded as such words): the keccak256 of their concatenation.
    /// @dev Hashes the array where it lies; copying it with abi.encodePacked costs a loop per element.
    function hashWords(uint256[] memory words) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            hash := keccak256(add(words, 0x20), shl(5, mload(words)))
        }
    }
}
