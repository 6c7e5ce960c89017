// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Plaudit pool: funding without gas, and signed intents
/// @notice A reader who holds only the stablecoin signs; anyone (a relayer) submits. The reader signs the
/// terms under the pool's EIP-712 domain (`Plaudit`, `1`, chain id, pool), so whoever submits cannot change
/// them, nor use them on another pool or chain. Funds only ever go to the reader; the caller is paid exactly
/// the `relayerFee` the reader signed (zero is allowed).
///
/// Every signed intent carries the reader's next intent nonce (`intentNonceOf`) and is valid strictly before
/// its `deadline` (unix seconds, as EIP-3009's `validBefore`). A reader's intents are used in nonce order, one
/// each; a signature of an intent is an ECDSA signature of the reader, or one its ERC-1271 wallet accepts.
interface IPlauditFunding {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice The terms of a subscription the reader signs: EIP-712
    /// `Subscription(address reader,uint256 amountPerEpoch,uint64 epochs,uint64 firstEpoch,uint256 relayerFee,
    /// uint256 nonce,uint256 deadline)`. The reader pays `amountPerEpoch * epochs + relayerFee`.
    struct Subscription {
        address reader;
        uint256 amountPerEpoch;
        uint64 epochs;
        uint64 firstEpoch;
        uint256 relayerFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A cancellation the reader signs: EIP-712
    /// `Cancellation(address reader,uint64 fromEpoch,uint256 relayerFee,uint256 nonce,uint256 deadline)`.
    struct Cancellation {
        address reader;
        uint64 fromEpoch;
        uint256 relayerFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A withdrawal of expired budgets the reader signs: EIP-712
    /// `Withdrawal(address reader,uint256 relayerFee,uint256 nonce,uint256 deadline)`.
    struct Withdrawal {
        address reader;
        uint256 relayerFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A revocation of every session key the reader signs: EIP-712
    /// `Revocation(address reader,uint256 nonce,uint256 deadline)`. It carries no fee: nothing is paid out.
    struct Revocation {
        address reader;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice A one-off tip the reader signs: EIP-712
    /// `Tip(address reader,address creator,uint256 amount,uint256 relayerFee,uint256 nonce,uint256 deadline)`.
    /// The reader pays `amount + relayerFee`; `creator`'s claimable balance grows by `amount`.
    struct Tip {
        address reader;
        address creator;
        uint256 amount;
        uint256 relayerFee;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice Which permit of the token `subscribeBySignature` applies before it pulls the funds.
    enum PermitKind {
        /// No permit: the reader's allowance is already in place.
        None,
        /// EIP-2612 `permit(owner, spender, value, deadline, v, r, s)` for exactly what is pulled.
        Eip2612,
        /// DAI's `permit(holder, spender, nonce, expiry, allowed, v, r, s)` with `allowed` true.
        Dai
    }

    /// @notice A token permit the reader signed for the pool. `nonce` is the token's permit nonce (DAI only;
    /// EIP-2612 reads it on chain); `deadline` is the permit's deadline (DAI's `expiry`).
    struct TokenPermit {
        PermitKind kind;
        uint256 nonce;
        uint256 deadline;
        uint8 v;
        bytes32 r;
        bytes32 s;
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice The signed intent's deadline has come (`timestamp >= deadline`).
    error IntentExpired(uint256 deadline, uint256 timestamp);
    /// @notice The signed intent carries another nonce than the reader's next one (used, or out of order).
    error InvalidIntentNonce(address reader, uint256 expected, uint256 given);
    /// @notice The intent's signature is neither the reader's ECDSA signature nor accepted by its ERC-1271 wallet.
    error InvalidIntentSignature(address reader);
    /// @notice The signed relayer fee is more than the amount the intent pays out.
    error RelayerFeeExceedsPayout(uint256 relayerFee, uint256 payout);
    /// @notice A tip may not go to the zero address, the pool or its token: a credit to them could never leave.
    error InvalidTipCreator(address creator);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `relayer` (the caller) carried out `reader`'s signed intent of `nonce` and was paid `relayerFee`.
    event IntentExecuted(address indexed reader, uint256 indexed nonce, address indexed relayer, uint256 relayerFee);
    /// @notice `reader` tipped `creator` `amount`, credited to the creator's claimable balance at once.
    event Tipped(address indexed reader, address indexed creator, uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Funding paths
    // ---------------------------------------------------------------------------------------------

    /// @notice Subscribes `terms.reader` with an EIP-3009 `ReceiveWithAuthorization` the reader signed for the
    /// token: from the reader, to this pool, `value = amountPerEpoch * epochs + relayerFee`, `validAfter` 0,
    /// `validBefore = terms.deadline`, and as its nonce the EIP-712 digest of `terms` under the pool's domain
    /// (`subscriptionDigest(terms)`). The nonce commits the authorization to the terms: changing any of them
    /// changes the nonce and the token refuses the signature. The pool checks what it received (a token that
    /// ignores a used nonce pays nothing) and pays the caller `relayerFee`. Uses the reader's intent nonce.
    /// @param signature The reader's signature of the authorization (65 bytes `r | s | v`, or what its ERC-1271
    /// wallet accepts: the token checks it).
    function subscribeWithAuthorization(Subscription calldata terms, bytes calldata signature) external;

    /// @notice Subscribes `terms.reader` by its signature of `terms` (EIP-712 under the pool's domain), pulling
    /// `amountPerEpoch * epochs + relayerFee` with `transferFrom` after applying `permit` (an EIP-2612 permit
    /// for exactly that value, DAI's permit, or none when the allowance is in place). A permit someone else
    /// used first is ignored when the allowance suffices. Pays the caller `relayerFee`.
    function subscribeBySignature(
        Subscription calldata terms,
        TokenPermit calldata permit,
        bytes calldata signature
    ) external;

    // ---------------------------------------------------------------------------------------------
    // Tips: one-off amounts beside the budgets, credited to a creator's claimable balance. A tip never
    // touches a budget, is not split and has no keeper share; the creator claims it as any credit.
    // ---------------------------------------------------------------------------------------------

    /// @notice Tips `creator` `amount` from the caller, pulled with `transferFrom` (the caller's allowance).
    function tip(address creator, uint256 amount) external;

    /// @notice `tip` after applying the caller's EIP-2612 permit for exactly `amount` (a permit someone else
    /// used first is ignored when the allowance suffices).
    function tipWithPermit(address creator, uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Tips `terms.creator` from `terms.reader` with an EIP-3009 `ReceiveWithAuthorization` the reader
    /// signed for the token: from the reader, to this pool, `value = amount + relayerFee`, `validAfter` 0,
    /// `validBefore = terms.deadline`, and as its nonce `tipDigest(terms)`, which commits it to the terms. The
    /// pool checks what it received and pays the caller `relayerFee`. Uses the reader's intent nonce.
    function tipWithAuthorization(Tip calldata terms, bytes calldata signature) external;

    /// @notice Tips `terms.creator` by the reader's signature of `terms` (EIP-712 under the pool's domain),
    /// pulling `amount + relayerFee` with `transferFrom` after applying `permit`. Pays the caller `relayerFee`.
    /// Uses the reader's intent nonce.
    function tipBySignature(Tip calldata terms, TokenPermit calldata permit, bytes calldata signature) external;

    // ---------------------------------------------------------------------------------------------
    // Signed intents
    // ---------------------------------------------------------------------------------------------

    /// @notice `cancel(fromEpoch)` for `cancellation.reader`, who signed it: the refund goes to the reader,
    /// less `relayerFee` paid to the caller.
    /// @return refund What the reader received.
    function cancelBySignature(
        Cancellation calldata cancellation,
        bytes calldata signature
    ) external returns (uint256 refund);

    /// @notice `withdraw()` for `withdrawal.reader`, who signed it: the expired budgets go to the reader, less
    /// `relayerFee` paid to the caller.
    /// @return amount What the reader received.
    function withdrawBySignature(
        Withdrawal calldata withdrawal,
        bytes calldata signature
    ) external returns (uint256 amount);

    /// @notice `revokeSessions()` for `revocation.reader`, who signed it.
    /// @return nonce The reader's new session nonce.
    function revokeSessionsBySignature(
        Revocation calldata revocation,
        bytes calldata signature
    ) external returns (uint32 nonce);

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The nonce `reader`'s next signed intent must carry.
    function intentNonceOf(address reader) external view returns (uint256);

    /// @notice The EIP-712 digest of `terms`: what the reader signs for `subscribeBySignature`, and the nonce
    /// of its EIP-3009 authorization for `subscribeWithAuthorization`.
    function subscriptionDigest(Subscription calldata terms) external view returns (bytes32);

    /// @notice The EIP-712 digest of `terms`: what the reader signs for `tipBySignature`, and the nonce of its
    /// EIP-3009 authorization for `tipWithAuthorization`.
    function tipDigest(Tip calldata terms) external view returns (bytes32);

    /// @notice The EIP-712 digest the reader signs for `cancelBySignature`.
    function cancellationDigest(Cancellation calldata cancellation) external view returns (bytes32);

    /// @notice The EIP-712 digest the reader signs for `withdrawBySignature`.
    function withdrawalDigest(Withdrawal calldata withdrawal) external view returns (bytes32);

    /// @notice The EIP-712 digest the reader signs for `revokeSessionsBySignature`.
    function revocationDigest(Revocation calldata revocation) external view returns (bytes32);
}
