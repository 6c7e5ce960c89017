// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AuthorizationToken} from "./AuthorizationToken.sol";

/// @title PYUSD-like mock (Paxos's PYUSD seen from outside)
/// @notice As {MockUSDC} (6 decimals, permit, EIP-3009, no ERC-5267, a freeze list), except that a used or
/// cancelled authorization nonce does not revert: the token emits `AuthorizationAlreadyUsed` and returns
/// without moving anything, so a payee must check what it received. Anyone may mint. Never deploy it where
/// value is.
contract MockPYUSD is AuthorizationToken {
    event AuthorizationAlreadyUsed(address indexed authorizer, bytes32 indexed nonce);

    constructor() AuthorizationToken("PayPal USD", "PYUSD", "1", 6) {}

    /// @dev PYUSD returns quietly on a used nonce, so that a front-run cannot revert a larger transaction.
    function _authorizationAlreadyUsed(address authorizer, bytes32 nonce) internal override {
        emit AuthorizationAlreadyUsed(authorizer, nonce);
    }
}
