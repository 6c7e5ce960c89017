// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title EIP-3009 payee side: receive a transfer the payer authorized by signature
/// @notice The part of EIP-3009 ("Transfer With Authorization") the pool calls, as Circle's USDC and EURC,
/// Paxos's PYUSD and USDT0 implement it. `receiveWithAuthorization` requires `to == msg.sender`, so the
/// authorization cannot be front-run into a plain transfer the payee never books. Not every token reverts
/// on a used nonce (PYUSD emits `AuthorizationAlreadyUsed` and returns): a caller checks its balance.
interface IERC3009 {
    /// @notice Moves `value` from `from` to `to` (the caller) if `from` signed a `ReceiveWithAuthorization`
    /// with these fields under the token's EIP-712 domain, valid in `(validAfter, validBefore)`, nonce unused.
    /// @param signature `r | s | v` for an EOA, or whatever `from`'s ERC-1271 wallet accepts.
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external;

    /// @notice `receiveWithAuthorization` with an ECDSA signature split into `v, r, s` (the older form that
    /// every EIP-3009 token has).
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Whether `authorizer` used or cancelled `nonce`.
    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool);
}
