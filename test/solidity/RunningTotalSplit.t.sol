// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/TestBase.sol";

/// @title The running-total split PlauditPool._split pays: shares exact in sum and fair to within one unit
/// @notice The formula alone; PlauditPool.split.t.sol checks that the pool pays exactly these shares.
contract RunningTotalSplitTest is TestBase {
    uint256 private constant MAX_WEIGHTS = 50;

    /// @dev Up to 50 weights below 2**32 from `seed`; about a quarter are zero, some are tiny, and at
    /// least one is positive.
    function _weights(uint256 seed, uint256 n) private pure returns (uint256[] memory weights, uint256 total) {
        weights = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 word = uint256(keccak256(abi.encode(seed, i)));
            uint256 kind = word % 4;
            if (kind == 0) weights[i] = 0;
            else if (kind == 1)
                weights[i] = (word >> 8) % 4; // 0..3: dust-heavy splits
            else weights[i] = uint32(word >> 8); // anything below 2**32
            total += weights[i];
        }
        if (total == 0) {
            weights[n - 1] = 1 + uint32(seed); // may reach 2**32 - 1 + 1: keep below 2**32
            if (weights[n - 1] > type(uint32).max) weights[n - 1] = type(uint32).max;
            total = weights[n - 1];
        }
    }

    /// @dev The split exactly as PlauditPool._split computes it.
    function _split(
        uint256 amount,
        uint256[] memory weights,
        uint256 total
    ) private pure returns (uint256[] memory shares) {
        shares = new uint256[](weights.length);
        uint256 cumulative = 0;
        uint256 paid = 0;
        for (uint256 i = 0; i < weights.length; ++i) {
            cumulative += weights[i];
            uint256 paidThrough = (amount * cumulative) / total;
            assertLe(paid, paidThrough, "running total went down");
            shares[i] = paidThrough - paid;
            paid = paidThrough;
        }
    }

    function testFuzz_SharesSumToAmountAndEachIsWithinOneUnitOfProRata(
        uint256 amount,
        uint256 seed,
        uint256 count
    ) public pure {
        amount = bound(amount, 0, type(uint128).max);
        uint256 n = bound(count, 1, MAX_WEIGHTS);
        (uint256[] memory weights, uint256 total) = _weights(seed, n);
        uint256[] memory shares = _split(amount, weights, total);

        uint256 sum = 0;
        for (uint256 i = 0; i < n; ++i) {
            sum += shares[i];
            if (weights[i] == 0) assertEq(shares[i], 0, "zero weight got a share");
            // |share * W - amount * w| < W, i.e. the share is within one unit of amount * w / W.
            uint256 scaledShare = shares[i] * total;
            uint256 exact = amount * weights[i];
            uint256 gap = scaledShare > exact ? scaledShare - exact : exact - scaledShare;
            assertLt(gap, total, "share strays a unit or more from pro rata");
        }
        assertEq(sum, amount, "shares do not sum to the amount");
    }

    function testFuzz_SingleWeightTakesEverything(uint128 amount, uint32 weight) public pure {
        vm.assume(weight != 0);
        uint256[] memory weights = new uint256[](1);
        weights[0] = weight;
        assertEq(_split(amount, weights, weight)[0], amount, "sole receiver short-changed");
    }

    function testFuzz_EqualWeightsDifferByAtMostOneUnit(uint128 amount, uint256 count, uint32 weight) public pure {
        vm.assume(weight != 0);
        uint256 n = bound(count, 1, MAX_WEIGHTS);
        uint256[] memory weights = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) weights[i] = weight;
        uint256[] memory shares = _split(amount, weights, uint256(weight) * n);
        uint256 low = amount / n;
        for (uint256 i = 0; i < n; ++i) {
            assertTrue(shares[i] == low || shares[i] == low + 1, "equal weights got unequal shares");
        }
    }
}
