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
    /// `creators` and `counts` arrays: the keccak256 of their elements, each as a 32-byte word.
    function hashTally(
        address reader,
        uint64 epoch,
        uint64 seq,
        bytes32 creatorsHash,
        bytes32 countsHash
    ) internal pure returns (bytes32 hash) {
        bytes32 typehash = TALLY_TYPEHASH;
        // keccak256(abi.encode(TALLY_TYPEHASH, reader, epoch, seq, creatorsHash, countsHash)), hashed in
        // scratch memory past the free memory pointer instead of an allocated copy (once per tally).
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            mstore(add(m, 0x20), and(reader, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x40), and(epoch, 0xffffffffffffffff))
            mstore(add(m, 0x60), and(seq, 0xffffffffffffffff))
            mstore(add(m, 0x80), creatorsHash)
            mstore(add(m, 0xa0), countsHash)
            hash := keccak256(m, 0xc0)
        }
    }

    /// @notice Struct hash of a session delegation: `reader` lets `key` sign its tallies of every epoch
    /// that ends at or before `expiry`, until the reader moves past session nonce `nonce`.
    function hashSession(
        address reader,
        address key,
        uint64 expiry,
        uint32 nonce
    ) internal pure returns (bytes32 hash) {
        bytes32 typehash = SESSION_TYPEHASH;
        // keccak256(abi.encode(SESSION_TYPEHASH, reader, key, expiry, nonce)), in scratch memory as above.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, typehash)
            mstore(add(m, 0x20), and(reader, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x40), and(key, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(m, 0x60), and(expiry, 0xffffffffffffffff))
            mstore(add(m, 0x80), and(nonce, 0xffffffff))
            hash := keccak256(m, 0xa0)
        }
    }
}
