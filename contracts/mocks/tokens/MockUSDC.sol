// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AuthorizationToken} from "./AuthorizationToken.sol";

/// @title USDC-like mock (Circle's FiatTokenV2_2 seen from outside)
/// @notice 6 decimals; EIP-2612 permit under the domain "USD Coin", version "2", exposed only as
/// `DOMAIN_SEPARATOR()` (no ERC-5267 `eip712Domain()`); EIP-3009 with split and `bytes` signatures and
/// ERC-1271 wallets; a used or cancelled authorization reverts; a blacklist that stops transfers to or from
/// an account. Anyone may mint. Never deploy it where value is.
contract MockUSDC is AuthorizationToken {
    constructor() AuthorizationToken("USD Coin", "USDC", "2", 6) {}

    /// @dev USDC reverts on a used nonce.
    function _authorizationAlreadyUsed(address authorizer, bytes32 nonce) internal pure override {
        revert AuthorizationUsedOrCanceled(authorizer, nonce);
    }
}
