// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../interfaces/IPlauditPool.sol";

/// @title Reader of `settle`'s packed batch
/// @notice Decodes the calldata format `IPlauditPool.settle` documents: a concatenation of readers, each
/// `reader (20 bytes) | tallyCount (1)` and its tallies, each
/// `signer (20) | seq (8) | sessionExpiry (8) | entryCount (2) | entries (6 each) | signatureLength (2) |
/// signature | sessionSignatureLength (2) | sessionSignature`, an entry being
/// `creatorIndex (2) | count (4)`. Integers are big-endian; nothing is padded.
/// @dev A tight format instead of nested ABI arrays: ABI decoding and the padding of every field cost a
/// settled reader more gas than its signatures do. Every read is bounds-checked against the batch, so a
/// truncated batch reverts with `MalformedBatch` instead of reading zeros past its end. Offsets are
/// unchecked: each is at most the batch's length (calldata, far below 2**64) plus a length field's reach.
library SettlementBatch {
    uint256 internal constant ADDRESS_BYTES = 20;
    uint256 internal constant TALLY_COUNT_BYTES = 1;
    uint256 internal constant SEQ_BYTES = 8;
    uint256 internal constant EXPIRY_BYTES = 8;
    uint256 internal constant LENGTH_BYTES = 2;
    uint256 internal constant INDEX_BYTES = 2;
    uint256 internal constant COUNT_BYTES = 4;

    uint256 internal constant READER_HEADER_BYTES = ADDRESS_BYTES + TALLY_COUNT_BYTES;
    uint256 internal constant TALLY_HEADER_BYTES = ADDRESS_BYTES + SEQ_BYTES + EXPIRY_BYTES + LENGTH_BYTES;
    uint256 internal constant ENTRY_BYTES = INDEX_BYTES + COUNT_BYTES;

    /// @notice Where one tally's fields lie in the batch. Offsets are relative to the batch start.
    struct Tally {
        address signer;
        uint64 seq;
        uint64 sessionExpiry;
        uint256 entries;
        uint256 entryCount;
        uint256 signatureStart;
        uint256 signatureEnd;
        uint256 sessionSignatureStart;
        uint256 sessionSignatureEnd;
        /// Where the next tally or reader starts.
        uint256 end;
    }

    /// @notice The reader whose record starts at `offset`, how many tallies follow, and where they start.
    function readerAt(
        bytes calldata batch,
        uint256 offset
    ) internal pure returns (address reader, uint256 tallyCount, uint256 tallies) {
        unchecked {
            tallies = _checkedEnd(batch, offset, READER_HEADER_BYTES);
            uint256 word = _word(batch, offset);
            reader = address(uint160(word >> _shift(ADDRESS_BYTES)));
            tallyCount = (word >> _shift(READER_HEADER_BYTES)) & type(uint8).max;
        }
    }

    /// @notice Decodes the tally that starts at `offset`, checking that all of it lies within the batch.
    function tallyAt(bytes calldata batch, uint256 offset) internal pure returns (Tally memory tally) {
        unchecked {
            uint256 entries = _checkedEnd(batch, offset, TALLY_HEADER_BYTES);
            uint256 word = _word(batch, offset);
            tally.signer = address(uint160(word >> _shift(ADDRESS_BYTES)));
            tally.seq = uint64(word >> _shift(ADDRESS_BYTES + SEQ_BYTES));
            // The header is wider than a word: the expiry starts a second read.
            tally.sessionExpiry = uint64(_word(batch, offset + ADDRESS_BYTES + SEQ_BYTES) >> _shift(EXPIRY_BYTES));
            tally.entryCount = _uint16At(batch, offset + ADDRESS_BYTES + SEQ_BYTES + EXPIRY_BYTES);
            tally.entries = entries;

            uint256 cursor = _checkedEnd(batch, entries, tally.entryCount * ENTRY_BYTES);
            (tally.signatureStart, tally.signatureEnd) = _lengthPrefixed(batch, cursor);
            (tally.sessionSignatureStart, tally.sessionSignatureEnd) = _lengthPrefixed(batch, tally.signatureEnd);
            tally.end = tally.sessionSignatureEnd;
        }
    }

    /// @notice Where the entries of the tally at `offset` start, how many there are, and where the tally
    /// ends. Reads no more than it must: for a tally {tallyAt} already decoded (so no bounds checks).
    function entriesOf(
        bytes calldata batch,
        uint256 offset
    ) internal pure returns (uint256 entries, uint256 entryCount, uint256 end) {
        unchecked {
            entries = offset + TALLY_HEADER_BYTES;
            entryCount = _uint16At(batch, entries - LENGTH_BYTES);
            uint256 signature = entries + entryCount * ENTRY_BYTES;
            uint256 sessionSignature = signature + LENGTH_BYTES + _uint16At(batch, signature);
            end = sessionSignature + LENGTH_BYTES + _uint16At(batch, sessionSignature);
        }
    }

    /// @dev A `uint16` length at `offset` and the byte range it prefixes.
    function _lengthPrefixed(
        bytes calldata batch,
        uint256 offset
    ) private pure returns (uint256 start, uint256 end) {
        unchecked {
            start = _checkedEnd(batch, offset, LENGTH_BYTES);
            end = _checkedEnd(batch, start, _uint16At(batch, offset));
        }
    }

    function _uint16At(bytes calldata batch, uint256 offset) private pure returns (uint256) {
        return _word(batch, offset) >> _shift(LENGTH_BYTES);
    }

    /// @dev `offset + size`, reverting when that runs past the batch.
    function _checkedEnd(bytes calldata batch, uint256 offset, uint256 size) private pure returns (uint256 end) {
        unchecked {
            end = offset + size;
            if (end > batch.length) revert IPlauditPool.MalformedBatch(offset);
        }
    }

    /// @dev The 32 bytes at `offset` (zeros past the end of calldata; callers check bounds first).
    function _word(bytes calldata batch, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(batch.offset, offset))
        }
    }

    /// @dev Right shift that brings the field ending `bytesFromStart` bytes into a word down to bit 0.
    function _shift(uint256 bytesFromStart) private pure returns (uint256) {
        return 256 - 8 * bytesFromStart;
    }
}
