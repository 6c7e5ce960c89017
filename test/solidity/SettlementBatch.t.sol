// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {
    ENTRY_BYTES,
    ENTRY_COUNT_BYTES,
    ENTRY_COUNT_MASK,
    ENTRY_COUNT_SHIFT,
    ENTRY_INDEX_BYTES,
    ENTRY_INDEX_SHIFT
} from "../../contracts/libraries/SettlementBatch.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool.settle: a batch that does not parse reverts whole with MalformedBatch
/// @notice Fuzzes cuts of a valid two-reader batch and creator indices past the creator table through the
/// real pool. Each must revert with `MalformedBatch` and leave every budget, credit and balance as it was,
/// so that the intact batch still settles both readers afterwards. Also checks the named entry layout
/// (the literal constants the pool's assembly loops use) against the field widths.
contract SettlementBatchTest is TestBase {
    uint64 private constant EPOCH_LENGTH = 30 days;
    uint256 private constant BUDGET = 1e6;
    uint256 private constant CREATORS = 4;
    address private constant KEEPER = address(0xBEEF);
    /// @dev Where the first reader's first entry lies in the batch: after the reader's header
    /// (address, tally count) and its first tally's (signedBy, seq, session expiry, entry count).
    uint256 private constant FIRST_ENTRY = 20 + 1 + 1 + 8 + 8 + 2;

    MockStablecoin private token;
    PlauditPool private pool;
    uint256[2] private readerKeys = [0xA11CE, 0xB0B];
    uint256[2] private sessionKeys = [0x5E55, 0x5E56];

    function setUp() public {
        token = new MockStablecoin();
        pool = new PlauditPool(token, uint64(block.timestamp), EPOCH_LENGTH, 50);
        for (uint256 r = 0; r < 2; ++r) {
            address reader = vm.addr(readerKeys[r]);
            token.mint(reader, BUDGET);
            vm.startPrank(reader);
            token.approve(address(pool), BUDGET);
            pool.subscribe(BUDGET, 1, 0);
            vm.stopPrank();
        }
        vm.warp(block.timestamp + EPOCH_LENGTH);
    }

    function test_EntryLayoutConstantsAgreeWithTheFieldWidths() public pure {
        assertEq(ENTRY_BYTES, ENTRY_INDEX_BYTES + ENTRY_COUNT_BYTES, "ENTRY_BYTES");
        assertEq(ENTRY_INDEX_SHIFT, 256 - 8 * ENTRY_INDEX_BYTES, "ENTRY_INDEX_SHIFT");
        assertEq(ENTRY_COUNT_SHIFT, 256 - 8 * ENTRY_BYTES, "ENTRY_COUNT_SHIFT");
        assertEq(ENTRY_COUNT_MASK, (1 << (8 * ENTRY_COUNT_BYTES)) - 1, "ENTRY_COUNT_MASK");
        assertEq(ENTRY_INDEX_BYTES, 2, "a creator index is a uint16, as the batch format says");
        assertEq(ENTRY_COUNT_BYTES, 4, "a count is a uint32, as the Tally type says");
    }

    /// @dev Reads an entry the way the pool's loops do: the word at the entry, whatever bytes follow it.
    function testFuzz_EntryLayoutConstantsReadAnEncodedEntry(
        uint16 index,
        uint32 count,
        bytes32 following
    ) public pure {
        bytes memory packed = abi.encodePacked(index, count, following);
        uint256 word;
        assembly ("memory-safe") {
            word := mload(add(packed, 0x20))
        }
        assertEq(packed.length, ENTRY_BYTES + 32, "entry width");
        assertEq(word >> ENTRY_INDEX_SHIFT, index, "creator index");
        assertEq((word >> ENTRY_COUNT_SHIFT) & ENTRY_COUNT_MASK, count, "count");
    }

    function testFuzz_TruncatedBatchRevertsMalformedAndChangesNothing(uint256 seed, uint256 cut) public {
        (address[] memory table, bytes memory batch, uint256 firstRecord) = _validBatch(seed);
        cut = bound(cut, 1, batch.length - 1);
        // Cut at the end of the first reader's record, the prefix is a whole batch of that reader.
        vm.assume(cut != firstRecord);
        bytes memory prefix = new bytes(cut);
        for (uint256 i = 0; i < cut; ++i) prefix[i] = batch[i];

        assertLe(_settleMalformed(table, prefix), cut, "MalformedBatch offset past the cut");
        _assertNothingChangedAndBatchSettles(table, batch);
    }

    function testFuzz_CreatorIndexPastTheTableRevertsMalformedAndChangesNothing(
        uint256 seed,
        uint256 entry,
        uint256 index
    ) public {
        (address[] memory table, bytes memory batch, ) = _validBatch(seed);
        uint256 entryCount = (uint256(uint8(batch[FIRST_ENTRY - 2])) << 8) | uint8(batch[FIRST_ENTRY - 1]);
        uint256 offset = FIRST_ENTRY + bound(entry, 0, entryCount - 1) * ENTRY_BYTES;
        index = bound(index, table.length, type(uint16).max);
        bytes memory bad = bytes.concat(batch); // a copy: the intact batch settles below
        (bad[offset], bad[offset + 1]) = (bytes1(uint8(index >> 8)), bytes1(uint8(index)));

        assertEq(_settleMalformed(table, bad), offset, "MalformedBatch offset is not the bad entry's");
        _assertNothingChangedAndBatchSettles(table, batch);
    }

    /// @dev Both readers, each with one session-key tally (every field of the format non-empty) over 1 to
    /// `CREATORS` creators. Also returns the length of the first reader's record.
    function _validBatch(
        uint256 seed
    ) private view returns (address[] memory table, bytes memory batch, uint256 firstRecord) {
        BatchEncoder.ReaderTallies[] memory readers = new BatchEncoder.ReaderTallies[](2);
        for (uint256 r = 0; r < 2; ++r) {
            readers[r].reader = vm.addr(readerKeys[r]);
            readers[r].tallies = new BatchEncoder.SignedTally[](1);
            readers[r].tallies[0] = _sessionTally(r, uint256(keccak256(abi.encode(seed, r))));
        }
        (table, batch) = BatchEncoder.encode(readers);

        BatchEncoder.ReaderTallies[] memory first = new BatchEncoder.ReaderTallies[](1);
        first[0] = readers[0];
        (, bytes memory firstBatch) = BatchEncoder.encode(first);
        firstRecord = firstBatch.length;
    }

    /// @dev A tally of reader `r` by its session key over the first 1 to `CREATORS` creators, ascending.
    function _sessionTally(uint256 r, uint256 seed) private view returns (BatchEncoder.SignedTally memory tally) {
        address reader = vm.addr(readerKeys[r]);
        uint256 n = bound(seed, 1, CREATORS);
        tally.creators = new address[](n);
        tally.counts = new uint32[](n);
        for (uint256 i = 0; i < n; ++i) {
            tally.creators[i] = _creator(i);
            tally.counts[i] = uint32(1 + (uint256(keccak256(abi.encode(seed, i))) % type(uint32).max));
        }
        tally.signer = vm.addr(sessionKeys[r]);
        tally.seq = uint64(seed >> 192);
        tally.sessionExpiry = type(uint64).max;
        tally.signature = signDigest(
            sessionKeys[r],
            pool.tallyDigest(reader, 0, tally.seq, tally.creators, tally.counts)
        );
        tally.sessionSignature = signDigest(
            readerKeys[r],
            pool.sessionDigest(reader, tally.signer, tally.sessionExpiry, pool.sessionNonceOf(reader))
        );
    }

    /// @dev Low addresses: strictly ascending and never a key-derived reader.
    function _creator(uint256 i) private pure returns (address) {
        return address(uint160(0xC0000 + i));
    }

    /// @dev Submits `batch` as the keeper; it must revert with `MalformedBatch`, whose offset is returned.
    function _settleMalformed(address[] memory table, bytes memory batch) private returns (uint256 offset) {
        bool settled = false;
        bytes memory err;
        vm.prank(KEEPER);
        try pool.settle(0, table, batch) {
            settled = true;
        } catch (bytes memory reason) {
            err = reason;
        }
        assertTrue(!settled, "malformed batch settled");
        assertTrue(
            err.length == 36 && bytes4(err) == IPlauditPool.MalformedBatch.selector,
            "not a MalformedBatch revert"
        );
        assembly ("memory-safe") {
            offset := mload(add(err, 36))
        }
    }

    /// @dev The failed call settled no one, credited no one, paid no tip; the intact batch then settles both.
    function _assertNothingChangedAndBatchSettles(address[] memory table, bytes memory batch) private {
        for (uint256 r = 0; r < 2; ++r) {
            (uint256 amount, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(vm.addr(readerKeys[r]), 0);
            assertEq(amount, BUDGET, "budget changed");
            assertTrue(status == IPlauditPool.BudgetStatus.Open, "budget no longer open");
        }
        for (uint256 i = 0; i < CREATORS; ++i) assertEq(pool.claimableOf(_creator(i)), 0, "creator credited");
        assertEq(token.balanceOf(KEEPER), 0, "keeper tipped");
        assertEq(token.balanceOf(address(pool)), 2 * BUDGET, "pool balance changed");

        vm.prank(KEEPER);
        assertEq(pool.settle(0, table, batch), 2, "intact batch did not settle both readers");
    }
}
