// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../interfaces/IPlauditPool.sol";

// The packed click entry, `creatorIndex (2 bytes) | count (4 bytes)`, named once for this library and
// for PlauditPool's assembly loops, which read an entry as the 32-byte word starting at it. Inline
// assembly takes only literal constants, so the derived values are written out; SettlementBatch.t.sol
// checks that they agree with the field widths.

/// @dev Bytes of an entry's creator index, its first field.
uint256 constant ENTRY_INDEX_BYTES = 2;
/// @dev Bytes of an entry's click count, its second field.
uint256 constant ENTRY_COUNT_BYTES = 4;
/// @dev Bytes of one entry: `ENTRY_INDEX_BYTES + ENTRY_COUNT_BYTES`.
uint256 constant ENTRY_BYTES = 6;
/// @dev Right shift that brings the creator index (the top `ENTRY_INDEX_BYTES` of the word read at an
/// entry) down to bit 0: `256 - 8 * ENTRY_INDEX_BYTES`.
uint256 constant ENTRY_INDEX_SHIFT = 240;
/// @dev Right shift that brings the count (the `ENTRY_COUNT_BYTES` after the index) down to bit 0, to be
/// masked with `ENTRY_COUNT_MASK`: `256 - 8 * ENTRY_BYTES`.
uint256 constant ENTRY_COUNT_SHIFT = 208;
/// @dev `ENTRY_COUNT_BYTES` bytes of ones: `2**(8 * ENTRY_COUNT_BYTES) - 1`.
uint256 constant ENTRY_COUNT_MASK = 0xffffffff;

/// @title Reader of `settle`'s packed batch
/// @notice Decodes the calldata format `IPlauditPool.settle` documents: a concatenation of readers, each
/// `reader (20 bytes) | tallyCount (1)` and its tallies, each
/// `signedBy (1) | seq (8) | sessionExpiry (8) | entryCount (2) | entries (6 each) | signatureLength (2) |
/// signature | sessionSignatureLength (2) | sessionSignature`, an entry being
/// `creatorIndex (2) | count (4)` (`ENTRY_BYTES`, named with its fields above the library). Integers are
/// big-endian; nothing is padded.
/// @dev A tight format instead of nested ABI arrays: ABI decoding and the padding of every field cost a
/// settled reader more gas than its signatures do. A tally is named by its offset in the batch.
/// {readerAt} and {tallyEnd} check bounds (a truncated batch reverts with `MalformedBatch` instead of
/// reading zeros past its end); the field getters then read a tally {tallyEnd} has checked, unchecked.
/// Offsets never overflow: each is at most the batch's length (calldata, far below 2**64) plus a length
/// field's reach.
library SettlementBatch {
    uint256 internal constant ADDRESS_BYTES = 20;
    uint256 internal constant TALLY_COUNT_BYTES = 1;
    uint256 internal constant SIGNED_BY_BYTES = 1;
    uint256 internal constant SEQ_BYTES = 8;
    uint256 internal constant EXPIRY_BYTES = 8;
    uint256 internal constant LENGTH_BYTES = 2;

    uint256 internal constant READER_HEADER_BYTES = ADDRESS_BYTES + TALLY_COUNT_BYTES;
    /// @dev `signedBy` values: the reader itself signed the tally, or a session key did (recovered from
    /// the signature, so the batch need not name it).
    uint256 internal constant SIGNED_BY_READER = 0;
    uint256 internal constant SIGNED_BY_SESSION_KEY = 1;
    /// @dev Where a tally's fields start, from the tally's start.
    uint256 private constant SEQ_AT = SIGNED_BY_BYTES;
    uint256 private constant EXPIRY_AT = SEQ_AT + SEQ_BYTES;
    uint256 private constant ENTRY_COUNT_AT = EXPIRY_AT + EXPIRY_BYTES;
    uint256 private constant ENTRIES_AT = ENTRY_COUNT_AT + LENGTH_BYTES;

    /// @notice The reader whose record starts at `offset`, how many tallies follow, and where they start.
    function readerAt(
        bytes calldata batch,
        uint256 offset
    ) internal pure returns (address reader, uint256 tallyCount, uint256 tallies) {
        tallies = _checkedEnd(batch, offset, READER_HEADER_BYTES);
        uint256 word = _word(batch, offset);
        reader = address(uint160(word >> _shift(ADDRESS_BYTES)));
        tallyCount = (word >> _shift(READER_HEADER_BYTES)) & type(uint8).max;
    }

    /// @notice Where the tally starting at `tally` ends, checking that all of it lies within the batch and
    /// that its `signedBy` is one of the two kinds.
    function tallyEnd(bytes calldata batch, uint256 tally) internal pure returns (uint256 end) {
        unchecked {
            uint256 entries = _checkedEnd(batch, tally, ENTRIES_AT);
            if (_signedBy(batch, tally) > SIGNED_BY_SESSION_KEY) {
                revert IPlauditPool.MalformedBatch(tally);
            }
            uint256 signature = _checkedEnd(batch, entries, _uint16At(batch, tally + ENTRY_COUNT_AT) * ENTRY_BYTES);
            uint256 sessionSignature = _lengthPrefixedEnd(batch, signature);
            end = _lengthPrefixedEnd(batch, sessionSignature);
        }
    }

    /// @notice Where a tally {tallyEnd} has checked ends, without checking again.
    function endOf(bytes calldata batch, uint256 tally) internal pure returns (uint256) {
        return _afterLengthPrefixed(batch, _afterLengthPrefixed(batch, _signatureAt(batch, tally)));
    }

    /// @notice Whether a session key signed the tally (else the reader itself did).
    function isSessionKeySigned(bytes calldata batch, uint256 tally) internal pure returns (bool) {
        return _signedBy(batch, tally) == SIGNED_BY_SESSION_KEY;
    }

    /// @notice The tally's sequence number.
    function seqOf(bytes calldata batch, uint256 tally) internal pure returns (uint64) {
        unchecked {
            return uint64(_word(batch, tally + SEQ_AT) >> _shift(SEQ_BYTES));
        }
    }

    /// @notice The expiry of the tally's session delegation.
    function sessionExpiryOf(bytes calldata batch, uint256 tally) internal pure returns (uint64) {
        unchecked {
            return uint64(_word(batch, tally + EXPIRY_AT) >> _shift(EXPIRY_BYTES));
        }
    }

    /// @notice Where the tally's entries start and how many there are.
    function entriesOf(
        bytes calldata batch,
        uint256 tally
    ) internal pure returns (uint256 entries, uint256 entryCount) {
        unchecked {
            entries = tally + ENTRIES_AT;
            entryCount = _uint16At(batch, tally + ENTRY_COUNT_AT);
        }
    }

    /// @notice The tally's signature, by its signing key (or its reader's ERC-1271 wallet).
    function signatureOf(bytes calldata batch, uint256 tally) internal pure returns (bytes calldata) {
        return _lengthPrefixed(batch, _signatureAt(batch, tally));
    }

    /// @notice The reader's signature of the tally's session delegation (empty for the reader's own tally).
    function sessionSignatureOf(bytes calldata batch, uint256 tally) internal pure returns (bytes calldata) {
        return _lengthPrefixed(batch, _afterLengthPrefixed(batch, _signatureAt(batch, tally)));
    }

    function _signedBy(bytes calldata batch, uint256 tally) private pure returns (uint256) {
        return _word(batch, tally) >> _shift(SIGNED_BY_BYTES);
    }

    /// @dev Where the tally's signature length field is.
    function _signatureAt(bytes calldata batch, uint256 tally) private pure returns (uint256) {
        (uint256 entries, uint256 entryCount) = entriesOf(batch, tally);
        unchecked {
            return entries + entryCount * ENTRY_BYTES;
        }
    }

    /// @dev The bytes prefixed by the `uint16` length at `offset`, as a calldata slice (bounds checked
    /// by {tallyEnd}).
    function _lengthPrefixed(bytes calldata batch, uint256 offset) private pure returns (bytes calldata field) {
        uint256 length = _uint16At(batch, offset);
        assembly ("memory-safe") {
            field.offset := add(add(batch.offset, offset), LENGTH_BYTES)
            field.length := length
        }
    }

    /// @dev Where the bytes prefixed by the `uint16` length at `offset` end (bounds checked by {tallyEnd}).
    function _afterLengthPrefixed(bytes calldata batch, uint256 offset) private pure returns (uint256) {
        unchecked {
            return offset + LENGTH_BYTES + _uint16At(batch, offset);
        }
    }

    /// @dev Where the bytes prefixed by the `uint16` length at `offset` end, reverting past the batch.
    function _lengthPrefixedEnd(bytes calldata batch, uint256 offset) private pure returns (uint256) {
        return _checkedEnd(batch, _checkedEnd(batch, offset, LENGTH_BYTES), _uint16At(batch, offset));
    }

    function _uint16At(bytes calldata batch, uint256 offset) private pure returns (uint256) {
        return _word(batch, offset) >> _shift(LENGTH_BYTES);
    }

    /// @dev `offset + size`, reverting when that runs past the batch.
    function _checkedEnd(bytes calldata batch, uint256 offset, uint256 size) private pure returns (uint256 end) {
        unchecked {
            end = offset + size;
        }
        if (end > batch.length) revert IPlauditPool.MalformedBatch(offset);
    }

    /// @dev The 32 bytes at `offset` (zeros past the end of calldata; callers check bounds first).
    function _word(bytes calldata batch, uint256 offset) private pure returns (uint256 word) {
        assembly ("memory-safe") {
            word := calldataload(add(batch.offset, offset))
        }
    }

    /// @dev Right shift that brings the field ending `bytesFromStart` bytes into a word down to bit 0.
    function _shift(uint256 bytesFromStart) private pure returns (uint256) {
        unchecked {
            return 256 - 8 * bytesFromStart;
        }
    }
}
