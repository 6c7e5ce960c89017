// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool settlement: a settled budget is split exactly, nothing created or lost
/// @notice Fuzzes budget, keeper tip, creators and counts, and one or two signed tallies (a session key's
/// and the reader's own) through the real pool, and checks the result against an independent
/// running-total split.
contract PlauditPoolSplitTest is TestBase {
    uint64 private constant EPOCH_LENGTH = 30 days;
    uint256 private constant READER_KEY = 0xA11CE;
    uint256 private constant SESSION_KEY = 0x5E55;
    uint256 private constant OTHER_READER_KEY = 0xB0B;
    address private constant KEEPER = address(0xBEEF);

    MockStablecoin private token;
    PlauditPool private pool;
    address private reader;
    address private sessionKey;
    address private otherReader;

    /// @dev One click entry of the reference split, in the order the pool walks them.
    struct Entry {
        address creator;
        uint256 count;
    }

    function setUp() public {
        token = new MockStablecoin();
        reader = vm.addr(READER_KEY);
        sessionKey = vm.addr(SESSION_KEY);
        otherReader = vm.addr(OTHER_READER_KEY);
    }

    function _deploy(uint256 tipBps) private {
        pool = new PlauditPool(token, uint64(block.timestamp), EPOCH_LENGTH, uint16(tipBps));
    }

    function _fund(address who, uint256 amountPerEpoch, uint64 epochs, uint64 firstEpoch) private {
        token.mint(who, amountPerEpoch * epochs);
        vm.startPrank(who);
        token.approve(address(pool), amountPerEpoch * epochs);
        pool.subscribe(amountPerEpoch, epochs, firstEpoch);
        vm.stopPrank();
    }

    /// @dev `n` distinct creators from `seed`, strictly ascending, none of them the reader.
    function _creators(uint256 seed, uint256 n) private view returns (address[] memory creators) {
        creators = new address[](n);
        for (uint256 i = 0; i < n; ++i) {
            address c = address(uint160(uint256(keccak256(abi.encode(seed, "creator", i)))));
            // insertion sort
            uint256 j = i;
            while (j > 0 && creators[j - 1] > c) {
                creators[j] = creators[j - 1];
                --j;
            }
            creators[j] = c;
        }
        for (uint256 i = 0; i < n; ++i) {
            vm.assume(creators[i] != reader && creators[i] != address(0));
            if (i > 0) vm.assume(creators[i] != creators[i - 1]);
        }
    }

    /// @dev Counts in [1, 2**32 - 1]; a third are small to make rounding dust matter.
    function _counts(uint256 seed, uint256 n) private pure returns (uint32[] memory counts) {
        counts = new uint32[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 word = uint256(keccak256(abi.encode(seed, "count", i)));
            uint256 count = word % 3 == 0 ? 1 + ((word >> 8) % 5) : 1 + ((word >> 8) % type(uint32).max);
            counts[i] = uint32(count);
        }
    }

    function _tally(
        uint256 signingKey,
        bool viaSession,
        uint64 epoch,
        uint64 seq,
        address[] memory creators,
        uint32[] memory counts
    ) private view returns (BatchEncoder.SignedTally memory tally) {
        tally.signer = vm.addr(signingKey);
        tally.seq = seq;
        tally.creators = creators;
        tally.counts = counts;
        tally.signature = signDigest(signingKey, pool.tallyDigest(reader, epoch, seq, creators, counts));
        if (viaSession) {
            tally.sessionExpiry = type(uint64).max;
            tally.sessionSignature = signDigest(
                READER_KEY,
                pool.sessionDigest(reader, tally.signer, tally.sessionExpiry, pool.sessionNonceOf(reader))
            );
        }
    }

    function testFuzz_SettledBudgetSplitsExactlyAmongCreatorsAndKeeper(
        uint256 budget,
        uint256 tipBps,
        uint256 seed,
        uint256 creatorCount,
        bool twoTallies,
        uint256 otherBudget
    ) public {
        budget = bound(budget, 1, type(uint128).max);
        otherBudget = bound(otherBudget, 1, type(uint128).max);
        _deploy(bound(tipBps, 0, 100));
        uint256 n = bound(creatorCount, 1, 10);

        _fund(reader, budget, 1, 0);
        // A second reader's later budget stays open throughout: it must be neither touched nor used.
        _fund(otherReader, otherBudget, 1, 1);

        // Tally A by the session key over n creators; tally B by the reader over another set.
        address[] memory creatorsA = _creators(seed, n);
        uint32[] memory countsA = _counts(seed, n);
        uint256 nB = twoTallies ? bound(seed >> 128, 1, 10) : 0;
        address[] memory creatorsB = _creators(seed >> 1, nB);
        uint32[] memory countsB = _counts(seed >> 1, nB);

        BatchEncoder.SignedTally memory session = _tally(SESSION_KEY, true, 0, 7, creatorsA, countsA);
        BatchEncoder.ReaderTallies[] memory readers = new BatchEncoder.ReaderTallies[](1);
        readers[0].reader = reader;
        if (twoTallies) {
            BatchEncoder.SignedTally memory own = _tally(READER_KEY, false, 0, 3, creatorsB, countsB);
            readers[0].tallies = new BatchEncoder.SignedTally[](2);
            // Signing keys strictly ascending.
            (readers[0].tallies[0], readers[0].tallies[1]) = sessionKey < reader ? (session, own) : (own, session);
        } else {
            readers[0].tallies = new BatchEncoder.SignedTally[](1);
            readers[0].tallies[0] = session;
        }
        (address[] memory table, bytes memory batch) = BatchEncoder.encode(readers);

        vm.warp(block.timestamp + EPOCH_LENGTH);
        vm.prank(KEEPER);
        assertEq(pool.settle(0, table, batch), 1, "reader not settled");

        // Reference split over the entries in the pool's order.
        Entry[] memory entries = _entries(readers[0].tallies);
        uint256 tip = (budget * pool.keeperTipBps()) / 10_000;
        uint256[] memory expected = _referenceSplit(entries, budget - tip);

        uint256 claimables = 0;
        for (uint256 i = 0; i < entries.length; ++i) {
            uint256 owed = 0;
            bool counted = false;
            for (uint256 j = 0; j < entries.length; ++j) {
                if (entries[j].creator != entries[i].creator) continue;
                owed += expected[j];
                if (j < i) counted = true;
            }
            assertEq(pool.claimableOf(entries[i].creator), owed, "creator's credit differs from the reference split");
            if (!counted) claimables += owed;
        }
        assertEq(token.balanceOf(KEEPER), tip, "keeper tip");
        assertEq(claimables + tip, budget, "claimables + tip != budget");
        (uint256 amount, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(reader, 0);
        assertEq(amount, budget, "budget record changed");
        assertTrue(status == IPlauditPool.BudgetStatus.Settled, "budget not marked settled");
        assertEq(token.balanceOf(address(pool)), claimables + otherBudget, "pool balance != liabilities");

        // Every creator can take exactly its credit out; only the open budget stays.
        for (uint256 i = 0; i < entries.length; ++i) {
            address creator = entries[i].creator;
            if (pool.claimableOf(creator) == 0) continue;
            uint256 owed = pool.claimableOf(creator);
            assertEq(pool.claim(creator), owed, "claim amount");
            assertEq(token.balanceOf(creator), owed, "creator balance after claim");
        }
        assertEq(token.balanceOf(address(pool)), otherBudget, "pool kept or lost money after claims");
    }

    function testFuzz_SettlingTwiceChangesNothing(uint256 budget, uint256 seed, uint256 creatorCount) public {
        budget = bound(budget, 1, type(uint128).max);
        _deploy(50);
        uint256 n = bound(creatorCount, 1, 10);
        _fund(reader, budget, 1, 0);
        address[] memory creators = _creators(seed, n);
        BatchEncoder.ReaderTallies[] memory readers = new BatchEncoder.ReaderTallies[](1);
        readers[0].reader = reader;
        readers[0].tallies = new BatchEncoder.SignedTally[](1);
        readers[0].tallies[0] = _tally(SESSION_KEY, true, 0, 1, creators, _counts(seed, n));
        (address[] memory table, bytes memory batch) = BatchEncoder.encode(readers);

        vm.warp(block.timestamp + EPOCH_LENGTH + 1);
        vm.startPrank(KEEPER);
        assertEq(pool.settle(0, table, batch), 1, "first settle");
        uint256 keeperAfterFirst = token.balanceOf(KEEPER);
        uint256 poolAfterFirst = token.balanceOf(address(pool));
        assertEq(pool.settle(0, table, batch), 0, "replayed batch settled again");
        vm.stopPrank();
        assertEq(token.balanceOf(KEEPER), keeperAfterFirst, "replay paid a tip");
        assertEq(token.balanceOf(address(pool)), poolAfterFirst, "replay moved funds");
    }

    function _entries(BatchEncoder.SignedTally[] memory tallies) private pure returns (Entry[] memory entries) {
        uint256 total = 0;
        for (uint256 i = 0; i < tallies.length; ++i) total += tallies[i].creators.length;
        entries = new Entry[](total);
        uint256 k = 0;
        for (uint256 i = 0; i < tallies.length; ++i) {
            for (uint256 j = 0; j < tallies[i].creators.length; ++j) {
                entries[k++] = Entry(tallies[i].creators[j], tallies[i].counts[j]);
            }
        }
    }

    /// @dev floor(amount * C_i / W) - floor(amount * C_(i-1) / W), written independently of the library.
    function _referenceSplit(Entry[] memory entries, uint256 amount) private pure returns (uint256[] memory shares) {
        uint256 clicks = 0;
        for (uint256 i = 0; i < entries.length; ++i) clicks += entries[i].count;
        shares = new uint256[](entries.length);
        uint256 cumulative = 0;
        for (uint256 i = 0; i < entries.length; ++i) {
            uint256 before = (amount * cumulative) / clicks;
            cumulative += entries[i].count;
            shares[i] = (amount * cumulative) / clicks - before;
        }
    }
}
