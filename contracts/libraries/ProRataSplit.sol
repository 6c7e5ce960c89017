// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Dust-free pro-rata split
/// @notice Splits `amount` over weights `w_1 .. w_n` (total `W`) by paying receiver `i` the difference of
/// running totals, `floor(amount * (w_1 + .. + w_i) / W) - floor(amount * (w_1 + .. + w_(i-1)) / W)`.
/// The shares sum to exactly `amount` (the last running total is `amount`), each is within one unit of
/// the exact pro-rata value, and the rounding dust falls deterministically by position.
library ProRataSplit {
    /// @notice The running total paid after receivers whose weights sum to `cumulativeWeight`.
    /// @dev Unchecked for gas: callers keep `amount < 2**128` and `cumulativeWeight <= totalWeight < 2**128`,
    /// so the product cannot overflow. A zero `totalWeight` still reverts (division by zero panics even
    /// in unchecked code).
    function paidThrough(
        uint256 amount,
        uint256 cumulativeWeight,
        uint256 totalWeight
    ) internal pure returns (uint256) {
        unchecked {
            return (amount * cumulativeWeight) / totalWeight;
        }
    }
}
