// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Builds `PlauditPool.settle`'s packed batch in Solidity tests
/// @notice The Solidity twin of protocol/src/batch.ts: readers and their tallies in, the creator table
/// and the packed batch out (format in IPlauditPool.settle). It encodes whatever it is given, valid or
/// not, so tests can submit bad tallies and watch them skipped.
library BatchEncoder {
    /// @notice A tally's `creators` and `counts` differ in length.
    error CreatorsAndCountsDiffer(uint256 creators, uint256 counts);
    /// @notice `length` does not fit the format's length field of `bits` bits (or a creator index field).
    error TooLongForField(uint256 length, uint256 bits);
    /// @notice A tally names a creator that the caller's creator table does not hold.
    error CreatorNotInTable(address creator);

    /// @notice One signed tally: its signed fields and proofs, unpacked.
    struct SignedTally {
        address signer;
        uint64 seq;
        uint64 sessionExpiry;
        address[] creators;
        uint32[] counts;
        bytes signature;
        bytes sessionSignature;
    }

    /// @notice All tallies of one reader, ordered by signer.
    struct ReaderTallies {
        address reader;
        SignedTally[] tallies;
    }

    /// @notice `settle`'s arguments for `readers`: each distinct creator once in `creators`, in order of
    /// first appearance, and the packed `batch` naming creators by their index there.
    function encode(
        ReaderTallies[] memory readers
    ) internal pure returns (address[] memory creators, bytes memory batch) {
        creators = new address[](_entryCount(readers));
        uint256 tableSize;
        (batch, tableSize) = _encode(readers, creators, 0, false, 0);
        assembly ("memory-safe") {
            mstore(creators, tableSize)
        }
    }

    /// @notice The packed batch for `readers` against a creator table the caller made: in any order, with
    /// creators nobody clicks, and naming some creators several times. Each entry of such a creator uses
    /// one of its copies, chosen from `choice` (a seed), so that one creator may be credited through
    /// several table entries.
    function encodeWithTable(
        ReaderTallies[] memory readers,
        address[] memory table,
        uint256 choice
    ) internal pure returns (bytes memory batch) {
        (batch, ) = _encode(readers, table, table.length, true, choice);
    }

    /// @notice A creator table for {encodeWithTable}: every creator `readers` name once, plus `copies` more
    /// entries repeating creators picked from `seed`, the whole shuffled from `seed`.
    function shuffledTable(
        ReaderTallies[] memory readers,
        uint256 copies,
        uint256 seed
    ) internal pure returns (address[] memory table) {
        (address[] memory distinct, ) = encode(readers);
        uint256 n = distinct.length;
        table = new address[](n == 0 ? 0 : n + copies);
        if (n == 0) return table;
        for (uint256 i = 0; i < n; ++i) table[i] = distinct[i];
        for (uint256 k = 0; k < copies; ++k)
            table[n + k] = distinct[uint256(keccak256(abi.encode(seed, "copy", k))) % n];
        for (uint256 i = table.length - 1; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, "shuffle", i))) % (i + 1);
            (table[i], table[j]) = (table[j], table[i]);
        }
    }

    /// @dev Encodes `readers`, finding (or, unless `fixedTable`, appending) each creator in the first
    /// `tableSize` entries of `creators`. Returns the batch and the table's final size.
    function _encode(
        ReaderTallies[] memory readers,
        address[] memory creators,
        uint256 tableSize,
        bool fixedTable,
        uint256 choice
    ) private pure returns (bytes memory batch, uint256) {
        uint256 entryNumber = 0;
        for (uint256 r = 0; r < readers.length; ++r) {
            ReaderTallies memory entry = readers[r];
            batch = bytes.concat(batch, bytes20(entry.reader), bytes1(uint8(_fit(entry.tallies.length, 8))));
            for (uint256 t = 0; t < entry.tallies.length; ++t) {
                SignedTally memory tally = entry.tallies[t];
                if (tally.creators.length != tally.counts.length) {
                    revert CreatorsAndCountsDiffer(tally.creators.length, tally.counts.length);
                }
                batch = bytes.concat(
                    batch,
                    // signedBy: 0 for the reader itself, 1 for a session key (recovered on chain).
                    bytes1(tally.signer == entry.reader ? 0x00 : 0x01),
                    bytes8(tally.seq),
                    bytes8(tally.sessionExpiry),
                    bytes2(uint16(_fit(tally.creators.length, 16)))
                );
                for (uint256 j = 0; j < tally.creators.length; ++j) {
                    uint256 index;
                    if (fixedTable) {
                        index = _pickIndexOf(
                            creators,
                            tally.creators[j],
                            uint256(keccak256(abi.encode(choice, entryNumber)))
                        );
                    } else {
                        (index, tableSize) = _indexOf(creators, tableSize, tally.creators[j]);
                    }
                    ++entryNumber;
                    batch = bytes.concat(batch, bytes2(uint16(_fit(index, 16))), bytes4(tally.counts[j]));
                }
                batch = bytes.concat(
                    batch,
                    bytes2(uint16(_fit(tally.signature.length, 16))),
                    tally.signature,
                    bytes2(uint16(_fit(tally.sessionSignature.length, 16))),
                    tally.sessionSignature
                );
            }
        }
        return (batch, tableSize);
    }

    /// @dev The index of one of the entries of `table` that name `creator`, the `choice`-th modulo their
    /// number.
    function _pickIndexOf(address[] memory table, address creator, uint256 choice) private pure returns (uint256) {
        uint256 copies = 0;
        for (uint256 i = 0; i < table.length; ++i) if (table[i] == creator) ++copies;
        if (copies == 0) revert CreatorNotInTable(creator);
        uint256 wanted = choice % copies;
        for (uint256 i = 0; i < table.length; ++i) {
            if (table[i] != creator) continue;
            if (wanted == 0) return i;
            --wanted;
        }
        revert CreatorNotInTable(creator); // unreachable: `copies` entries name it
    }

    /// @dev The index of `creator` in the first `size` table entries, appending it when absent.
    function _indexOf(
        address[] memory table,
        uint256 size,
        address creator
    ) private pure returns (uint256 index, uint256 newSize) {
        for (index = 0; index < size; ++index) {
            if (table[index] == creator) return (index, size);
        }
        table[size] = creator;
        return (size, size + 1);
    }

    /// @dev `value`, reverting when it does not fit in `bits` bits: a silently truncated length would
    /// misframe every field after it.
    function _fit(uint256 value, uint256 bits) private pure returns (uint256) {
        if (value >> bits != 0) revert TooLongForField(value, bits);
        return value;
    }

    function _entryCount(ReaderTallies[] memory readers) private pure returns (uint256 entries) {
        for (uint256 r = 0; r < readers.length; ++r) {
            for (uint256 t = 0; t < readers[r].tallies.length; ++t) entries += readers[r].tallies[t].creators.length;
        }
    }
}
