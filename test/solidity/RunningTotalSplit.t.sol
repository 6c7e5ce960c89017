// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title The running-total split as the pool pays it: shares exact in sum and fair to within one unit
/// @notice Settles one reader's budget over fuzzed click counts through the real pool (no keeper tip, so
/// the whole budget is split) and checks the credits it pays against the split's properties, not against
/// a copy of its formula. PlauditPool.split.t.sol and the differential test compare the credits with
/// independent reference splits.
contract RunningTotalSplitTest is TestBase {
    uint256 private constant MAX_CREATORS = 50;
    uint64 private constant EPOCH_LENGTH = 30 days;
    uint256 private constant READER_KEY = 0xA11CE;
    address private constant KEEPER = address(0xBEEF);

    MockStablecoin private token;
    PlauditPool private pool;
    address private reader;

    function setUp() public {
        token = new MockStablecoin();
        pool = new PlauditPool(token, uint64(block.timestamp), EPOCH_LENGTH, 0);
        reader = vm.addr(READER_KEY);
    }

    /// @dev Up to 50 counts in [1, 2**32 - 1] from `seed`; about a third are 1 to 3 (dust-heavy splits).
    function _counts(uint256 seed, uint256 n) private pure returns (uint32[] memory counts) {
        counts = new uint32[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 word = uint256(keccak256(abi.encode(seed, i)));
            counts[i] = uint32(word % 3 == 0 ? 1 + ((word >> 8) % 3) : 1 + ((word >> 8) % type(uint32).max));
        }
    }

    /// @dev Funds the reader with `amount` for epoch 0, settles it with one tally giving `counts[i]` clicks
    /// to creator i, and returns what the pool credited each creator.
    function _poolSplit(uint256 amount, uint32[] memory counts) private returns (uint256[] memory shares) {
        token.mint(reader, amount);
        vm.startPrank(reader);
        token.approve(address(pool), amount);
        pool.subscribe(amount, 1, 0);
        vm.stopPrank();

        address[] memory creators = new address[](counts.length);
        for (uint256 i = 0; i < counts.length; ++i) creators[i] = address(uint160(0xC0000 + i)); // ascending
        BatchEncoder.ReaderTallies[] memory readers = new BatchEncoder.ReaderTallies[](1);
        readers[0].reader = reader;
        readers[0].tallies = new BatchEncoder.SignedTally[](1);
        readers[0].tallies[0].signer = reader;
        readers[0].tallies[0].creators = creators;
        readers[0].tallies[0].counts = counts;
        readers[0].tallies[0].signature = signDigest(READER_KEY, pool.tallyDigest(reader, 0, 0, creators, counts));
        (address[] memory table, bytes memory batch) = BatchEncoder.encode(readers);

        vm.warp(uint256(pool.startTime()) + EPOCH_LENGTH);
        vm.prank(KEEPER);
        assertEq(pool.settle(0, table, batch), 1, "reader not settled");
        shares = new uint256[](counts.length);
        for (uint256 i = 0; i < counts.length; ++i) shares[i] = pool.claimableOf(creators[i]);
    }

    function testFuzz_SharesSumToAmountAndEachIsWithinOneUnitOfProRata(
        uint256 amount,
        uint256 seed,
        uint256 count
    ) public {
        amount = bound(amount, 1, type(uint128).max);
        uint256 n = bound(count, 1, MAX_CREATORS);
        uint32[] memory counts = _counts(seed, n);
        uint256[] memory shares = _poolSplit(amount, counts);

        uint256 total = 0;
        for (uint256 i = 0; i < n; ++i) total += counts[i];
        uint256 sum = 0;
        for (uint256 i = 0; i < n; ++i) {
            sum += shares[i];
            // |share * W - amount * w| < W, i.e. the share is within one unit of amount * w / W.
            uint256 scaledShare = shares[i] * total;
            uint256 exact = amount * counts[i];
            uint256 gap = scaledShare > exact ? scaledShare - exact : exact - scaledShare;
            assertLt(gap, total, "share strays a unit or more from pro rata");
        }
        assertEq(sum, amount, "shares do not sum to the amount");
        assertEq(token.balanceOf(address(pool)), amount, "pool balance != credits");
    }

    function testFuzz_SingleCreatorTakesEverything(uint128 amount, uint32 count) public {
        vm.assume(amount != 0 && count != 0);
        uint32[] memory counts = new uint32[](1);
        counts[0] = count;
        assertEq(_poolSplit(amount, counts)[0], amount, "sole creator short-changed");
    }

    function testFuzz_EqualCountsGetSharesDifferingByAtMostOneUnit(uint128 amount, uint256 n, uint32 count) public {
        vm.assume(amount != 0 && count != 0);
        n = bound(n, 1, MAX_CREATORS);
        uint32[] memory counts = new uint32[](n);
        for (uint256 i = 0; i < n; ++i) counts[i] = count;
        uint256[] memory shares = _poolSplit(amount, counts);
        uint256 low = amount / n;
        for (uint256 i = 0; i < n; ++i) {
            assertTrue(shares[i] == low || shares[i] == low + 1, "equal counts got unequal shares");
        }
    }
}
