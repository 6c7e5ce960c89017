// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title DAI's permit (before EIP-2612)
/// @notice Mainnet DAI's `permit` signs `Permit(address holder,address spender,uint256 nonce,uint256 expiry,
/// bool allowed)` under the domain "Dai Stablecoin", version "1": it sets the allowance to all or nothing.
interface IDaiPermit {
    /// @notice Sets `spender`'s allowance over `holder`'s tokens to the maximum (`allowed`) or zero, if
    /// `holder` signed it with its current `nonce`; `expiry` zero never expires.
    function permit(
        address holder,
        address spender,
        uint256 nonce,
        uint256 expiry,
        bool allowed,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;
}
