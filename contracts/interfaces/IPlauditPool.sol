// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IPlauditFunding} from "./IPlauditFunding.sol";

/// @title Plaudit pool
/// @notice Readers prepay a budget per epoch in one ERC-20 stablecoin. Clicks are signed off chain as
/// EIP-712 cumulative tallies; after an epoch ends anyone may settle it, which splits each reader's
/// epoch budget pro rata to that reader's clicks among the creators clicked. Creators claim at will.
/// There is no owner: funds move only as the rules below say.
///
/// Epoch `e` runs over `[startTime + e * epochLength, startTime + (e + 1) * epochLength)`. Its budgets
/// are committed from its first second; it may be settled from its end until its settlement deadline,
/// one epoch length later. A budget not settled by then is returned to its reader.
///
/// Readers without native gas fund, cancel, withdraw and revoke by signature through a relayer: see
/// {IPlauditFunding}.
interface IPlauditPool is IPlauditFunding {
    // ---------------------------------------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------------------------------------

    /// @notice Where a reader's budget for one epoch stands.
    enum BudgetStatus {
        /// Funded (or empty) and neither settled nor returned.
        Open,
        /// Split among creators by `settle`.
        Settled,
        /// Expired unsettled and swept back to the reader by `withdraw`.
        Returned
    }

    /// @notice Why `settle` skipped a reader of a batch (the other readers still settle).
    enum SkipReason {
        /// The reader was already settled for this epoch (by this or an earlier batch).
        AlreadySettled,
        /// The reader has no budget for this epoch.
        NoBudget,
        /// No tallies, more than `MAX_TALLIES_PER_READER`, or signing keys not strictly ascending.
        BadTallyList,
        /// A tally names no creator or more than the limit, its creators are not strictly ascending or
        /// include the reader itself, the pool or the pool's token, or a count is zero.
        BadClicks,
        /// A session delegation is expired, revoked (older nonce) or not signed by the reader.
        BadSession,
        /// A tally signature does not verify against its signing key.
        BadSignature
    }

    // ---------------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------------

    /// @notice The deployment parameters are unusable: the token has no code or the epoch length is zero.
    error InvalidConfiguration();
    /// @notice The keeper tip exceeds `MAX_KEEPER_TIP_BPS`.
    error KeeperTipTooHigh(uint256 tipBps, uint256 maxTipBps);
    /// @notice A zero amount or zero epochs was given.
    error ZeroAmount();
    /// @notice `epochs` exceeds `MAX_SUBSCRIPTION_EPOCHS`.
    error TooManyEpochs(uint256 epochs, uint256 maxEpochs);
    /// @notice The epoch has already started (or ended) and can no longer be funded or cancelled.
    error EpochAlreadyStarted(uint64 epoch, uint64 currentEpoch);
    /// @notice The subscription would reach further ahead than `MAX_SUBSCRIPTION_EPOCHS` epochs.
    error EpochTooFarAhead(uint64 epoch, uint64 lastAllowedEpoch);
    /// @notice A reader's budget for one epoch would exceed `type(uint128).max`.
    error BudgetOverflow(uint64 epoch);
    /// @notice The token delivered a different amount than was transferred (fee-on-transfer token).
    error TransferAmountMismatch(uint256 expected, uint256 received);
    /// @notice The epoch cannot be settled now: only in `[end, settlementDeadline)`.
    error NotInSettlementWindow(uint64 epoch, uint256 opensAt, uint256 closesAt);
    /// @notice Less gas left at an ERC-1271 wallet call (`gasLeft`) than `gasNeeded`, what the wallet's whole
    /// stipend needs (`ERC1271_GAS_RESERVE`); retry with a higher gas limit. A wallet is never skipped for
    /// want of gas.
    error InsufficientGasForWalletCheck(uint256 gasLeft, uint256 gasNeeded);
    /// @notice Nothing to cancel from that epoch on.
    error NothingToCancel(address reader, uint64 fromEpoch);
    /// @notice Nothing to withdraw or claim.
    error NothingToWithdraw(address account);
    /// @notice A zero address was given where a recipient is needed.
    error ZeroAddress();
    /// @notice `settle`'s batch is not in its packed format: a field at `offset` runs past its end, or an
    /// entry names a creator index outside the creator table.
    error MalformedBatch(uint256 offset);

    // ---------------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------------

    /// @notice `reader` added `amountPerEpoch` to each epoch in `[firstEpoch, firstEpoch + epochs)`.
    event Subscribed(
        address indexed reader,
        uint64 indexed firstEpoch,
        uint64 epochs,
        uint256 amountPerEpoch,
        uint256 total
    );
    /// @notice `reader` took back its budgets of every epoch in `[fromEpoch, untilEpoch)`.
    event Cancelled(address indexed reader, uint64 indexed fromEpoch, uint64 untilEpoch, uint256 refund);
    /// @notice `reader` revoked every session key it delegated so far; `Session` messages must now carry
    /// `nonce`. Tallies of the current epoch, of a later one and of the previous one (if still unsettled)
    /// count only with a session of the new nonce.
    event SessionsRevoked(address indexed reader, uint32 nonce);
    /// @notice `reader`'s budget of `epoch` was split among `clicks` clicks; `tip` went to the keeper.
    event ReaderSettled(uint64 indexed epoch, address indexed reader, uint256 budget, uint256 tip, uint256 clicks);
    /// @notice `settle` skipped `reader` for `epoch`; nothing changed for it.
    event ReaderSkipped(uint64 indexed epoch, address indexed reader, SkipReason reason);
    /// @notice `creator` earned `amount` from readers of `epoch` settled in one batch.
    event CreatorCredited(uint64 indexed epoch, address indexed creator, uint256 amount);
    /// @notice A batch of `epoch` settled `settled` readers; `keeper` received `tip`.
    event BatchSettled(uint64 indexed epoch, address indexed keeper, uint256 settled, uint256 skipped, uint256 tip);
    /// @notice `reader` got back the budgets of `epochs` expired unsettled epochs, `amount` in all.
    event BudgetsReturned(address indexed reader, uint256 epochs, uint256 amount);
    /// @notice `amount` of `creator`'s balance was paid to `recipient`.
    event Claimed(address indexed creator, address indexed recipient, uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Readers
    // ---------------------------------------------------------------------------------------------

    /// @notice Adds `amountPerEpoch` to the budget of each of `epochs` epochs from `firstEpoch` on,
    /// pulling `amountPerEpoch * epochs` with `transferFrom`. Tops up or extends an earlier subscription.
    /// @param firstEpoch The current epoch (its budget is committed at once) or a later one.
    function subscribe(uint256 amountPerEpoch, uint64 epochs, uint64 firstEpoch) external;

    /// @notice `subscribe`, approving the pool with an EIP-2612 permit in the same transaction. The permit
    /// must be for exactly `amountPerEpoch * epochs`, the amount pulled. A permit already used by someone
    /// else (front-run) is ignored as long as the allowance suffices.
    function subscribeWithPermit(
        uint256 amountPerEpoch,
        uint64 epochs,
        uint64 firstEpoch,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Returns to the caller its budgets of every epoch from `fromEpoch` on. `fromEpoch` must not
    /// have started: the budget of a started epoch is committed.
    /// @return refund The amount transferred back.
    function cancel(uint64 fromEpoch) external returns (uint256 refund);

    /// @notice Transfers to the caller every budget of an epoch whose settlement deadline passed
    /// without settlement, sweeping at most `MAX_SWEEP_EPOCHS` expired epochs per call (call again for
    /// more). Reverts with `NothingToWithdraw` when no expired epoch is left to sweep.
    /// @return amount The amount transferred (zero when the swept epochs were all settled).
    function withdraw() external returns (uint256 amount);

    /// @notice Revokes every session key of the caller for good, whatever `Session` signatures exist for
    /// them, by moving to a new session nonce. Delegate the keys still wanted again with the new nonce.
    /// @return nonce The new session nonce.
    function revokeSessions() external returns (uint32 nonce);

    // ---------------------------------------------------------------------------------------------
    // Keepers
    // ---------------------------------------------------------------------------------------------

    /// @notice Settles the readers of `batch` for `epoch`, which must be in its settlement window. Every
    /// reader is checked on its own: one that fails a check is skipped with `ReaderSkipped` and the
    /// rest settle. The caller receives `KEEPER_TIP_BPS` of each settled budget.
    /// @dev `batch` is packed to save calldata and decoding (see {SettlementBatch}); integers big-endian:
    ///
    ///     batch  = reader*
    ///     reader = address reader | uint8 tallyCount | tally * tallyCount
    ///     tally  = uint8 signedBy | uint64 seq | uint64 sessionExpiry | uint16 entryCount
    ///              | (uint16 creatorIndex | uint32 count) * entryCount
    ///              | uint16 signatureLength | signature | uint16 sessionSignatureLength | sessionSignature
    ///
    /// `signedBy` is 0 when the reader itself signed the tally (its EOA or ERC-1271 wallet; the session
    /// fields are then ignored and should be empty), 1 when a session key did: the key is recovered from
    /// the (65-byte ECDSA) signature, and the reader must have delegated it with an EIP-712 `Session`
    /// (expiry `sessionExpiry`, the reader's session nonce of the epoch), signed `sessionSignature`. A
    /// reader's tallies are ordered by signing key, strictly ascending. A tally's entries are its signed
    /// `creators` and `counts`, each creator given as its index in `creators`, the batch's table of
    /// creators (named once however many tallies click them). A batch that does not parse (a field past
    /// its end, an unknown `signedBy`, an index outside the table) reverts with `MalformedBatch`.
    ///
    /// A tally whose signature (the reader's own) or `Session` signature (a session key's) is not the
    /// reader's ECDSA signature asks the reader's ERC-1271 wallet, with exactly `ERC1271_GAS_STIPEND` gas:
    /// at most one wallet call per tally, `MAX_TALLIES_PER_READER` per reader entry. What a wallet spends
    /// of its stipend is not predictable from a simulation (docs/protocol.md, "Gas of contract-wallet
    /// readers", gives a keeper's worst case).
    /// @return settled How many readers were settled.
    function settle(uint64 epoch, address[] calldata creators, bytes calldata batch) external returns (uint256 settled);

    // ---------------------------------------------------------------------------------------------
    // Creators
    // ---------------------------------------------------------------------------------------------

    /// @notice Pays the caller's whole claimable balance to `recipient`.
    function claimTo(address recipient) external returns (uint256 amount);

    /// @notice Pays `creator`'s whole claimable balance to `creator`; anyone may call it.
    function claim(address creator) external returns (uint256 amount);

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @notice The stablecoin of this pool.
    function token() external view returns (IERC20);

    /// @notice When epoch 0 starts.
    function startTime() external view returns (uint64);

    /// @notice Length of every epoch, in seconds.
    function epochLength() external view returns (uint64);

    /// @notice The keeper tip in basis points of each settled budget.
    function keeperTipBps() external view returns (uint16);

    /// @notice The epoch that contains the current block's timestamp (0 before the start).
    function currentEpoch() external view returns (uint64);

    /// @notice Start, end and settlement deadline of `epoch`. It may be settled in `[end, deadline)`.
    function epochBounds(uint64 epoch) external view returns (uint256 start, uint256 end, uint256 deadline);

    /// @notice `reader`'s budget for `epoch`, where it stands, and the session nonce its tallies' `Session`
    /// delegations must carry.
    function budgetOf(
        address reader,
        uint64 epoch
    ) external view returns (uint256 amount, BudgetStatus status, uint32 sessionNonce);

    /// @notice The range of epochs `[sweepFrom, fundedUntil)` that may still hold `reader`'s budgets.
    function readerEpochs(address reader) external view returns (uint64 sweepFrom, uint64 fundedUntil);

    /// @notice What `withdraw` would pay `reader` now (over several calls past `MAX_SWEEP_EPOCHS` epochs).
    function withdrawableOf(address reader) external view returns (uint256);

    /// @notice What `creator` can claim.
    function claimableOf(address creator) external view returns (uint256);

    /// @notice Whether `reader` was settled for `epoch`.
    function isSettled(address reader, uint64 epoch) external view returns (bool);

    /// @notice The nonce a new `Session` of `reader` must carry.
    function sessionNonceOf(address reader) external view returns (uint32);

    /// @notice The EIP-712 digest a signing key signs for a tally.
    function tallyDigest(
        address reader,
        uint64 epoch,
        uint64 seq,
        address[] calldata creators,
        uint32[] calldata counts
    ) external view returns (bytes32);

    /// @notice The EIP-712 digest a reader signs to delegate session key `key` until `expiry`.
    function sessionDigest(address reader, address key, uint64 expiry, uint32 nonce) external view returns (bytes32);
}
