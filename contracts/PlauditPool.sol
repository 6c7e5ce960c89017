// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

import {IPlauditFunding} from "./interfaces/IPlauditFunding.sol";
import {IPlauditPool} from "./interfaces/IPlauditPool.sol";
import {PlauditFunding} from "./PlauditFunding.sol";
import {ClickTypes} from "./libraries/ClickTypes.sol";
// solhint does not see constants used inside assembly, as these are.
/* solhint-disable no-unused-import */
import {
    ENTRY_BYTES,
    ENTRY_COUNT_MASK,
    ENTRY_COUNT_SHIFT,
    ENTRY_INDEX_SHIFT,
    SettlementBatch
} from "./libraries/SettlementBatch.sol";
/* solhint-enable no-unused-import */

/// @title Plaudit pool
/// @notice See {IPlauditPool}. One pool per stablecoin; no owner, no admin, no pause, no upgrade.
contract PlauditPool is IPlauditPool, EIP712, ReentrancyGuardTransient, PlauditFunding {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------------------------------------
    // Limits
    // ---------------------------------------------------------------------------------------------

    /// @notice Basis points in a whole.
    uint256 public constant BPS = 10_000;
    /// @notice The highest keeper tip a pool may be deployed with: 1% of each settled budget.
    uint16 public constant MAX_KEEPER_TIP_BPS = 100;
    /// @notice How many epochs one subscription may fund, and how far ahead of the current epoch.
    uint64 public constant MAX_SUBSCRIPTION_EPOCHS = 120;
    /// @notice How many expired epochs one `withdraw` sweeps at most; call again for more.
    uint64 public constant MAX_SWEEP_EPOCHS = 256;
    /// @notice How many signing keys (devices) of one reader count in one epoch.
    uint256 public constant MAX_TALLIES_PER_READER = 8;
    /// @notice How many creators one tally may name.
    uint256 public constant MAX_CREATORS_PER_TALLY = 256;
    /// @notice Gas an ERC-1271 wallet gets to answer `isValidSignature`: always exactly this much (see
    /// `ERC1271_GAS_RESERVE`), and a hostile wallet burns no more. At most one wallet call per tally.
    uint256 public constant ERC1271_GAS_STIPEND = 50_000;
    /// @notice Gas that must be left right before a wallet call, once its query is built, so that the
    /// wallet gets the whole `ERC1271_GAS_STIPEND`; with less, `settle` reverts with
    /// `InsufficientGasForWalletCheck` rather than skip a reader whose wallet ran short. EIP-150 forwards
    /// at most all but one 64th of the gas left after the call's own cost, hence
    /// `ceil(ERC1271_GAS_STIPEND * 64 / 63)` plus that cost.
    uint256 public constant ERC1271_GAS_RESERVE =
        (ERC1271_GAS_STIPEND * EIP150_DIVISOR + EIP150_DIVISOR - 2) / (EIP150_DIVISOR - 1) + ERC1271_CALL_COST;
    /// @dev EIP-150: a call is given at most `gas - gas / 64` of the gas left after its own cost.
    uint256 private constant EIP150_DIVISOR = 64;
    /// @dev What a wallet call costs this frame from the gas check on, besides the gas it forwards: the
    /// warm account access (EIP-2929: 100; `reader.code.length` warmed it) and the few instructions that
    /// push the call's arguments. Memory for the query and the one-word answer is expanded before.
    uint256 private constant ERC1271_CALL_COST = 200;
    /// @dev `r | s | v`, the only ECDSA signature form accepted (no EIP-2098 short form).
    uint256 private constant ECDSA_SIGNATURE_BYTES = 65;

    // ---------------------------------------------------------------------------------------------
    // Immutable configuration
    // ---------------------------------------------------------------------------------------------

    IERC20 private immutable TOKEN;
    uint64 private immutable START_TIME;
    uint64 private immutable EPOCH_LENGTH;
    uint16 private immutable KEEPER_TIP_BPS;

    // ---------------------------------------------------------------------------------------------
    // Storage layout (EIP712 keeps its name and version fallbacks in slots 0 and 1)
    // ---------------------------------------------------------------------------------------------

    /// @dev One slot: amount, status and the session nonce of the epoch, so that `settle` checks a
    /// delegation against the slot it reads anyway.
    /// (solhint's gas-struct-packing misjudges it: 16 + 1 + 4 bytes share one slot.)
    // solhint-disable-next-line gas-struct-packing
    struct Budget {
        uint128 amount;
        BudgetStatus status;
        uint32 sessionNonce;
    }

    /// @dev One slot. Every epoch outside `[sweepFrom, fundedUntil)` holds no open budget of the reader.
    struct ReaderAccount {
        uint64 sweepFrom;
        uint64 fundedUntil;
        uint32 sessionNonce;
        /// The nonce of the reader's next signed intent (see {PlauditFunding}): in this slot, which every
        /// intent writes anyway.
        uint64 intentNonce;
    }

    /// @dev Accumulators of one `settle` call, kept in memory to stay clear of the stack limit.
    /// `credits[i]` is what the batch credits the creator at index `i` of its creator table.
    struct BatchTotals {
        uint256[] credits;
        uint256 settled;
        uint256 skipped;
        uint256 tip;
    }

    /// @dev What every tally of one reader is checked against (in memory, where packing saves nothing).
    // solhint-disable-next-line gas-struct-packing
    struct ReaderCheck {
        address reader;
        uint64 epoch;
        uint256 epochEnd;
        uint32 sessionNonce;
    }

    /// @dev slot 2: reader => epoch => budget
    mapping(address reader => mapping(uint64 epoch => Budget)) private _budgets;
    /// @dev slot 3: reader => range of epochs with budgets
    mapping(address reader => ReaderAccount) private _accounts;
    /// @dev slot 4: creator => claimable balance
    mapping(address creator => uint256) private _claimable;

    /// @param token_ The stablecoin. Fee-on-transfer tokens are refused at every deposit.
    /// @param startTime_ When epoch 0 starts (may be in the past).
    /// @param epochLength_ Length of an epoch in seconds.
    /// @param keeperTipBps_ The share of each settled budget paid to the keeper, at most `MAX_KEEPER_TIP_BPS`.
    constructor(IERC20 token_, uint64 startTime_, uint64 epochLength_, uint16 keeperTipBps_) EIP712("Plaudit", "1") {
        if (address(token_).code.length == 0 || epochLength_ == 0) revert InvalidConfiguration();
        if (keeperTipBps_ > MAX_KEEPER_TIP_BPS) revert KeeperTipTooHigh(keeperTipBps_, MAX_KEEPER_TIP_BPS);
        TOKEN = token_;
        START_TIME = startTime_;
        EPOCH_LENGTH = epochLength_;
        KEEPER_TIP_BPS = keeperTipBps_;
    }

    // ---------------------------------------------------------------------------------------------
    // Readers
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditPool
    function subscribe(uint256 amountPerEpoch, uint64 epochs, uint64 firstEpoch) external nonReentrant {
        uint256 total = _recordSubscription(msg.sender, amountPerEpoch, epochs, firstEpoch);
        _pull(msg.sender, total);
    }

    /// @inheritdoc IPlauditPool
    function subscribeWithPermit(
        uint256 amountPerEpoch,
        uint64 epochs,
        uint64 firstEpoch,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        uint256 total = _recordSubscription(msg.sender, amountPerEpoch, epochs, firstEpoch);
        // A permit someone front-ran reverts here although the allowance is in place: go on, and let
        // transferFrom decide.
        try IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), total, deadline, v, r, s) {} catch {}
        _pull(msg.sender, total);
    }

    /// @inheritdoc IPlauditPool
    function cancel(uint64 fromEpoch) external nonReentrant returns (uint256 refund) {
        refund = _cancel(msg.sender, fromEpoch);
        TOKEN.safeTransfer(msg.sender, refund);
    }

    /// @inheritdoc IPlauditPool
    function withdraw() external nonReentrant returns (uint256 amount) {
        amount = _withdraw(msg.sender);
        if (amount != 0) TOKEN.safeTransfer(msg.sender, amount);
    }

    /// @inheritdoc IPlauditPool
    function revokeSessions() external returns (uint32 nonce) {
        return _revokeSessions(msg.sender);
    }

    /// @dev `cancel` for `reader`; the caller pays the refund.
    function _cancel(address reader, uint64 fromEpoch) internal override returns (uint256 refund) {
        if (_hasStarted(fromEpoch)) revert EpochAlreadyStarted(fromEpoch, currentEpoch());
        ReaderAccount storage account = _accounts[reader];
        uint64 until = account.fundedUntil;
        mapping(uint64 => Budget) storage budgets = _budgets[reader];
        for (uint64 epoch = fromEpoch; epoch < until; ++epoch) {
            // Epochs that have not started are always Open.
            refund += budgets[epoch].amount;
            delete budgets[epoch];
        }
        if (refund == 0) revert NothingToCancel(reader, fromEpoch);
        account.fundedUntil = fromEpoch;
        emit Cancelled(reader, fromEpoch, until, refund);
    }

    /// @dev `withdraw` for `reader`; the caller pays the amount.
    function _withdraw(address reader) internal override returns (uint256 amount) {
        ReaderAccount storage account = _accounts[reader];
        (uint64 from, uint64 until) = _sweepRange(account);
        if (until - from > MAX_SWEEP_EPOCHS) until = from + MAX_SWEEP_EPOCHS;
        mapping(uint64 => Budget) storage budgets = _budgets[reader];
        uint256 returned;
        for (uint64 epoch = from; epoch < until; ++epoch) {
            Budget storage budget = budgets[epoch];
            if (budget.status == BudgetStatus.Open && budget.amount != 0) {
                amount += budget.amount;
                budget.status = BudgetStatus.Returned;
                ++returned;
            }
        }
        // Nothing expired to sweep: revert. Expired epochs that were all settled still move the cursor on,
        // so a long settled history can never wall off a later unsettled budget.
        if (until == from) revert NothingToWithdraw(reader);
        account.sweepFrom = until;
        emit BudgetsReturned(reader, returned, amount);
    }

    /// @dev `revokeSessions` for `reader`.
    function _revokeSessions(address reader) internal override returns (uint32 nonce) {
        ReaderAccount storage account = _accounts[reader];
        nonce = account.sessionNonce + 1;
        account.sessionNonce = nonce;
        // Every budget that can still be settled learns the new nonce: the previous epoch's (while in its
        // settlement window), the current one's and later ones.
        uint64 current = currentEpoch();
        uint64 from = current == 0 ? 0 : current - 1;
        if (from < account.sweepFrom) from = account.sweepFrom;
        mapping(uint64 => Budget) storage budgets = _budgets[reader];
        for (uint64 epoch = from; epoch < account.fundedUntil; ++epoch) {
            Budget storage budget = budgets[epoch];
            if (budget.status == BudgetStatus.Open && budget.amount != 0) budget.sessionNonce = nonce;
        }
        emit SessionsRevoked(reader, nonce);
    }

    // ---------------------------------------------------------------------------------------------
    // Keepers
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditPool
    function settle(
        uint64 epoch,
        address[] calldata creators,
        bytes calldata batch
    ) external nonReentrant returns (uint256) {
        (, uint256 end, uint256 deadline) = epochBounds(epoch);
        if (block.timestamp < end || block.timestamp >= deadline) {
            revert NotInSettlementWindow(epoch, end, deadline);
        }

        // The creator table is read once per click entry: copied to memory once (which also checks that
        // every entry is an address) it is cheaper to read there.
        address[] memory table = creators;
        _blankUnclickable(table);
        BatchTotals memory totals;
        totals.credits = new uint256[](table.length);
        for (uint256 offset = 0; offset < batch.length;) {
            offset = _settleReader(epoch, end, table, batch, offset, totals);
        }
        _flushCredits(epoch, table, totals.credits);

        emit BatchSettled(epoch, msg.sender, totals.settled, totals.skipped, totals.tip);
        if (totals.tip != 0) TOKEN.safeTransfer(msg.sender, totals.tip);
        return totals.settled;
    }

    // ---------------------------------------------------------------------------------------------
    // Creators
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditPool
    function claimTo(address recipient) external nonReentrant returns (uint256) {
        if (recipient == address(0)) revert ZeroAddress();
        return _claim(msg.sender, recipient);
    }

    /// @inheritdoc IPlauditPool
    function claim(address creator) external nonReentrant returns (uint256) {
        return _claim(creator, creator);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditPool
    function token() external view returns (IERC20) {
        return TOKEN;
    }

    /// @inheritdoc IPlauditPool
    function startTime() external view returns (uint64) {
        return START_TIME;
    }

    /// @inheritdoc IPlauditPool
    function epochLength() external view returns (uint64) {
        return EPOCH_LENGTH;
    }

    /// @inheritdoc IPlauditPool
    function keeperTipBps() external view returns (uint16) {
        return KEEPER_TIP_BPS;
    }

    /// @inheritdoc IPlauditPool
    function currentEpoch() public view returns (uint64) {
        if (block.timestamp < START_TIME) return 0;
        return uint64((block.timestamp - START_TIME) / EPOCH_LENGTH);
    }

    /// @inheritdoc IPlauditPool
    function epochBounds(uint64 epoch) public view returns (uint256 start, uint256 end, uint256 deadline) {
        start = START_TIME + uint256(epoch) * EPOCH_LENGTH;
        end = start + EPOCH_LENGTH;
        deadline = end + EPOCH_LENGTH;
    }

    /// @inheritdoc IPlauditPool
    function budgetOf(
        address reader,
        uint64 epoch
    ) external view returns (uint256 amount, BudgetStatus status, uint32 sessionNonce) {
        Budget storage budget = _budgets[reader][epoch];
        return (budget.amount, budget.status, budget.sessionNonce);
    }

    /// @inheritdoc IPlauditPool
    function readerEpochs(address reader) external view returns (uint64 sweepFrom, uint64 fundedUntil) {
        ReaderAccount storage account = _accounts[reader];
        return (account.sweepFrom, account.fundedUntil);
    }

    /// @inheritdoc IPlauditPool
    function withdrawableOf(address reader) external view returns (uint256 amount) {
        (uint64 from, uint64 until) = _sweepRange(_accounts[reader]);
        mapping(uint64 => Budget) storage budgets = _budgets[reader];
        for (uint64 epoch = from; epoch < until; ++epoch) {
            if (budgets[epoch].status == BudgetStatus.Open) amount += budgets[epoch].amount;
        }
    }

    /// @inheritdoc IPlauditPool
    function claimableOf(address creator) external view returns (uint256) {
        return _claimable[creator];
    }

    /// @inheritdoc IPlauditPool
    function isSettled(address reader, uint64 epoch) external view returns (bool) {
        return _budgets[reader][epoch].status == BudgetStatus.Settled;
    }

    /// @inheritdoc IPlauditPool
    function sessionNonceOf(address reader) external view returns (uint32) {
        return _accounts[reader].sessionNonce;
    }

    /// @inheritdoc IPlauditPool
    function tallyDigest(
        address reader,
        uint64 epoch,
        uint64 seq,
        address[] calldata creators,
        uint32[] calldata counts
    ) external view returns (bytes32) {
        bytes32 creatorsHash = keccak256(abi.encodePacked(creators));
        bytes32 countsHash = keccak256(abi.encodePacked(counts));
        return _hashTypedDataV4(ClickTypes.hashTally(reader, epoch, seq, creatorsHash, countsHash));
    }

    /// @inheritdoc IPlauditPool
    function sessionDigest(address reader, address key, uint64 expiry, uint32 nonce) external view returns (bytes32) {
        return _hashTypedDataV4(ClickTypes.hashSession(reader, key, expiry, nonce));
    }

    // ---------------------------------------------------------------------------------------------
    // Subscriptions
    // ---------------------------------------------------------------------------------------------

    /// @dev Checks a subscription and adds it to the reader's budgets; returns the amount to pull.
    function _recordSubscription(
        address reader,
        uint256 amountPerEpoch,
        uint64 epochs,
        uint64 firstEpoch
    ) internal override returns (uint256 total) {
        if (amountPerEpoch == 0 || epochs == 0) revert ZeroAmount();
        if (epochs > MAX_SUBSCRIPTION_EPOCHS) revert TooManyEpochs(epochs, MAX_SUBSCRIPTION_EPOCHS);
        uint64 current = currentEpoch();
        if (firstEpoch < current) revert EpochAlreadyStarted(firstEpoch, current);
        uint256 lastAllowed = uint256(current) + MAX_SUBSCRIPTION_EPOCHS;
        if (uint256(firstEpoch) + epochs - 1 > lastAllowed) {
            revert EpochTooFarAhead(uint64(uint256(firstEpoch) + epochs - 1), uint64(lastAllowed));
        }
        if (amountPerEpoch > type(uint128).max) revert BudgetOverflow(firstEpoch);

        uint64 until = firstEpoch + epochs;
        ReaderAccount storage account = _accounts[reader];
        uint32 sessionNonce = account.sessionNonce;
        mapping(uint64 => Budget) storage budgets = _budgets[reader];
        for (uint64 epoch = firstEpoch; epoch < until; ++epoch) {
            Budget storage budget = budgets[epoch];
            uint256 amount = budget.amount + amountPerEpoch;
            if (amount > type(uint128).max) revert BudgetOverflow(epoch);
            (budget.amount, budget.sessionNonce) = (uint128(amount), sessionNonce);
        }

        if (account.sweepFrom >= account.fundedUntil) {
            (account.sweepFrom, account.fundedUntil) = (firstEpoch, until);
        } else {
            if (firstEpoch < account.sweepFrom) account.sweepFrom = firstEpoch;
            if (until > account.fundedUntil) account.fundedUntil = until;
        }

        total = amountPerEpoch * epochs;
        emit Subscribed(reader, firstEpoch, epochs, amountPerEpoch, total);
    }

    /// @dev Pulls `amount` from `from`, refusing tokens that deliver less (or more) than asked.
    function _pull(address from, uint256 amount) internal override {
        uint256 before = TOKEN.balanceOf(address(this));
        TOKEN.safeTransferFrom(from, address(this), amount);
        uint256 received = TOKEN.balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    /// @dev A tip goes straight to the creator's claimable balance: no budget, no split, no keeper share.
    function _creditTip(address reader, address creator, uint256 amount) internal override {
        if (amount == 0) revert ZeroAmount();
        if (creator == address(0) || creator == address(this) || creator == address(TOKEN)) {
            revert InvalidTipCreator(creator);
        }
        _claimable[creator] += amount;
        emit Tipped(reader, creator, amount);
    }

    /// @dev The epochs of `account` whose settlement deadline has passed and that may hold open budgets.
    function _sweepRange(ReaderAccount storage account) private view returns (uint64 from, uint64 until) {
        from = account.sweepFrom;
        until = account.fundedUntil;
        // Epoch e expires at the start of epoch e + 2, so every epoch before `currentEpoch() - 1` has.
        uint64 current = currentEpoch();
        uint64 firstUnexpired = current == 0 ? 0 : current - 1;
        if (until > firstUnexpired) until = firstUnexpired;
        if (until < from) until = from;
    }

    function _hasStarted(uint64 epoch) private view returns (bool) {
        return block.timestamp >= START_TIME + uint256(epoch) * EPOCH_LENGTH;
    }

    // ---------------------------------------------------------------------------------------------
    // Settlement
    // ---------------------------------------------------------------------------------------------

    /// @dev Zeroes every entry of the batch's creator table that is the pool itself or its token: a share
    /// credited to either could never leave the pool, and anyone could then `claim` it off the books
    /// while the tokens stay. A zero entry fails `_checkClicks`'s ascending check, as the zero address
    /// does, so a tally naming them is skipped with `BadClicks`: one pass per batch over the table
    /// instead of two comparisons per click entry. Such an entry is never credited.
    function _blankUnclickable(address[] memory table) private view {
        address token_ = address(TOKEN);
        // In assembly: the same loop in Solidity cost about 220 gas per table entry (bounds checks, spilled
        // variables), 115 gas per settled reader at 200 readers in `npm run bench:gas`; this costs ~40.
        assembly ("memory-safe") {
            let pool := address()
            let entry := add(table, 0x20)
            for {
                let end := add(entry, shl(5, mload(table)))
            } lt(entry, end) {
                entry := add(entry, 0x20)
            } {
                let creator := mload(entry)
                if or(eq(creator, pool), eq(creator, token_)) {
                    mstore(entry, 0)
                }
            }
        }
    }

    /// @dev Settles the reader whose record starts at `offset` in `batch`, or skips it with an event;
    /// never reverts for a reader's own faults. Returns where the next reader's record starts.
    function _settleReader(
        uint64 epoch,
        uint256 epochEnd,
        address[] memory creators,
        bytes calldata batch,
        uint256 offset,
        BatchTotals memory totals
    ) private returns (uint256 next) {
        // Nothing this reader allocates outlives it: its memory is handed back to the next reader, so a
        // batch's memory (whose cost is quadratic) does not grow with its readers.
        uint256 memoryCheckpoint = _freeMemoryPointer();
        (address reader, uint256 tallyCount, uint256 tallies) = SettlementBatch.readerAt(batch, offset);
        Budget storage budget = _budgets[reader][epoch];
        (uint256 amount, BudgetStatus status, uint32 sessionNonce) = (
            budget.amount,
            budget.status,
            budget.sessionNonce
        );

        // The tallies are walked whatever the budget, to find where the next reader starts.
        bool eligible = status == BudgetStatus.Open && amount != 0;
        ReaderCheck memory check = ReaderCheck(reader, epoch, epochEnd, sessionNonce);
        (bool valid, SkipReason reason, uint256 clicks) = (false, SkipReason.AlreadySettled, 0);
        (next, valid, reason, clicks) = _checkTallies(check, eligible, creators, batch, tallies, tallyCount);
        if (!eligible) reason = status == BudgetStatus.Settled ? SkipReason.AlreadySettled : SkipReason.NoBudget;

        if (valid) {
            budget.status = BudgetStatus.Settled;
            uint256 tip = (amount * KEEPER_TIP_BPS) / BPS;
            totals.tip += tip;
            ++totals.settled;
            _split(batch, tallies, tallyCount, amount - tip, clicks, totals.credits);
            emit ReaderSettled(epoch, reader, amount, tip, clicks);
        } else {
            ++totals.skipped;
            emit ReaderSkipped(epoch, reader, reason);
        }
        _resetFreeMemoryPointer(memoryCheckpoint);
    }

    /// @dev Walks a reader's `tallyCount` tallies from offset `tallies` and, when `verify`, checks them:
    /// signing keys strictly ascending, clicks, delegations and signatures. Returns where the tallies
    /// end, whether all are valid (else why not), and the reader's clicks over all of them.
    function _checkTallies(
        ReaderCheck memory check,
        bool verify,
        address[] memory creators,
        bytes calldata batch,
        uint256 tallies,
        uint256 tallyCount
    ) private view returns (uint256 end, bool valid, SkipReason reason, uint256 clicks) {
        valid = verify;
        if (valid && (tallyCount == 0 || tallyCount > MAX_TALLIES_PER_READER)) {
            (valid, reason) = (false, SkipReason.BadTallyList);
        }
        end = tallies;
        address previousSigner = address(0);
        for (uint256 i = 0; i < tallyCount; ++i) {
            uint256 tally = end;
            end = SettlementBatch.tallyEnd(batch, tally);
            if (!valid) continue;
            address signer;
            uint256 tallyClicks;
            (valid, reason, signer, tallyClicks) = _checkTally(check, creators, batch, tally);
            if (valid && signer <= previousSigner) (valid, reason) = (false, SkipReason.BadTallyList);
            previousSigner = signer;
            clicks += tallyClicks;
        }
        if (!valid) clicks = 0;
    }

    /// @dev Verifies one tally: its clicks, its signature and, for a session key's, the delegation of the
    /// key. Returns the signing key (the reader, or the session key recovered from the signature).
    function _checkTally(
        ReaderCheck memory check,
        address[] memory creators,
        bytes calldata batch,
        uint256 tally
    ) private view returns (bool, SkipReason, address, uint256) {
        address reader = check.reader;
        (bool clicksValid, uint256 clicks, bytes32 creatorsHash, bytes32 countsHash) = _checkClicks(
            reader,
            creators,
            batch,
            tally
        );
        if (!clicksValid) return (false, SkipReason.BadClicks, address(0), 0);

        uint64 seq = SettlementBatch.seqOf(batch, tally);
        bytes32 digest = _hashTypedDataV4(ClickTypes.hashTally(reader, check.epoch, seq, creatorsHash, countsHash));
        bytes calldata signature = SettlementBatch.signatureOf(batch, tally);
        if (!SettlementBatch.isSessionKeySigned(batch, tally)) {
            if (!_isReaderSignature(reader, digest, signature)) return (false, SkipReason.BadSignature, address(0), 0);
            return (true, SkipReason.AlreadySettled, reader, clicks);
        }
        // Session keys are plain keys held by the dApp: ECDSA only. The key is whoever signed; the reader's
        // delegation must name it, cover the whole epoch and carry the epoch's session nonce.
        address key = _recover(digest, signature);
        if (key == address(0)) return (false, SkipReason.BadSignature, address(0), 0);
        uint64 expiry = SettlementBatch.sessionExpiryOf(batch, tally);
        if (expiry < check.epochEnd) return (false, SkipReason.BadSession, address(0), 0);
        bytes32 sessionHash = _hashTypedDataV4(ClickTypes.hashSession(reader, key, expiry, check.sessionNonce));
        bytes calldata sessionSignature = SettlementBatch.sessionSignatureOf(batch, tally);
        if (!_isReaderSignature(reader, sessionHash, sessionSignature)) {
            return (false, SkipReason.BadSession, address(0), 0);
        }
        return (true, SkipReason.AlreadySettled, key, clicks);
    }

    /// @dev Checks a tally's entries: creators (looked up in the creator table) strictly ascending, so
    /// distinct and non-zero (which also refuses the pool and its token, zeroed in the table by
    /// `_blankUnclickable`), never the reader, every count positive. Returns the clicks and the EIP-712
    /// hashes of the signed `creators` and `counts` arrays. An index outside the table makes the batch
    /// malformed.
    function _checkClicks(
        address reader,
        address[] memory creators,
        bytes calldata batch,
        uint256 tally
    ) private pure returns (bool valid, uint256 clicks, bytes32 creatorsHash, bytes32 countsHash) {
        (uint256 entries, uint256 n) = SettlementBatch.entriesOf(batch, tally);
        if (n == 0 || n > MAX_CREATORS_PER_TALLY) return (false, 0, 0, 0);
        uint256 malformedAt = type(uint256).max;
        // The hot loop of settlement, in assembly: per entry one calldata read and one table lookup. The
        // signed arrays are rebuilt as words past the free memory pointer (scratch space, never
        // allocated) and hashed there. An entry is ENTRY_BYTES wide: its index and its count are fields of
        // the word read at it (SettlementBatch.sol names the layout).
        assembly ("memory-safe") {
            let creatorWords := mload(0x40)
            let countWords := add(creatorWords, shl(5, n))
            let creatorWord := creatorWords
            let countWord := countWords
            let tableSize := mload(creators)
            let entry := add(batch.offset, entries)
            let last := add(entry, mul(n, ENTRY_BYTES))
            let previous := 0
            valid := 1
            for {} lt(entry, last) {
                entry := add(entry, ENTRY_BYTES)
            } {
                let word := calldataload(entry)
                let index := shr(ENTRY_INDEX_SHIFT, word)
                if iszero(lt(index, tableSize)) {
                    malformedAt := sub(entry, batch.offset)
                    break
                }
                let creator := mload(add(creators, shl(5, add(index, 1))))
                let count := and(shr(ENTRY_COUNT_SHIFT, word), ENTRY_COUNT_MASK)
                if or(or(iszero(gt(creator, previous)), eq(creator, reader)), iszero(count)) {
                    valid := 0
                    break
                }
                previous := creator
                mstore(creatorWord, creator)
                mstore(countWord, count)
                creatorWord := add(creatorWord, 0x20)
                countWord := add(countWord, 0x20)
                // At most MAX_CREATORS_PER_TALLY counts below 2**32 each: no overflow.
                clicks := add(clicks, count)
            }
            creatorsHash := keccak256(creatorWords, shl(5, n))
            countsHash := keccak256(countWords, shl(5, n))
        }
        if (malformedAt != type(uint256).max) revert MalformedBatch(malformedAt);
        if (!valid) return (false, 0, 0, 0);
    }

    /// @dev The signer of `digest` by a 65-byte ECDSA signature `r | s | v`, or zero when the signature is
    /// malformed or malleable: the checks of OpenZeppelin's `ECDSA.tryRecover` (s in the lower half of
    /// the curve order, v 27 or 28, a recoverable point), inlined because every tally pays for it twice.
    function _recover(bytes32 digest, bytes calldata signature) private view returns (address signer) {
        if (signature.length != ECDSA_SIGNATURE_BYTES) return address(0);
        assembly ("memory-safe") {
            let s := calldataload(add(signature.offset, 0x20))
            if iszero(gt(s, 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0)) {
                let m := mload(0x40)
                mstore(m, digest)
                mstore(add(m, 0x20), byte(0, calldataload(add(signature.offset, 0x40))))
                mstore(add(m, 0x40), calldataload(signature.offset))
                mstore(add(m, 0x60), s)
                // The precompile (address 1) answers nothing for an unrecoverable signature or a bad v:
                // clear the answer's word first so that reads as zero.
                mstore(0x00, 0)
                pop(staticcall(gas(), 0x01, m, 0x80, 0x00, 0x20))
                signer := mload(0x00)
            }
        }
    }

    /// @dev A signature by the reader's key or, for a contract wallet, accepted by its ERC-1271
    /// `isValidSignature` given exactly `ERC1271_GAS_STIPEND` gas. Reverts the batch with
    /// `InsufficientGasForWalletCheck` when less than `ERC1271_GAS_RESERVE` is left at the call.
    function _isReaderSignature(address reader, bytes32 digest, bytes calldata signature) private view returns (bool) {
        if (_recover(digest, signature) == reader) return true;
        if (reader.code.length == 0) return false;

        // The query (up to 65,535 signature bytes) dies with the call: its memory goes back, so that a
        // reader's eight wallet checks cost one query's memory, not eight.
        uint256 memoryCheckpoint = _freeMemoryPointer();
        bytes memory query = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        (uint256 stipend, uint256 gasNeeded) = (ERC1271_GAS_STIPEND, ERC1271_GAS_RESERVE);
        uint256 gasLeft;
        bool success;
        uint256 returnSize;
        bytes32 returnWord;
        // The gas is checked here, after the query is built (copying a large signature costs thousands),
        // and nothing but the call's arguments come between the check and the call. Copy at most one
        // word of the answer into scratch space: a Solidity call would copy all of it, and a hostile
        // wallet's huge answers would cost the batch quadratic gas
        // (test/adversarial/erc1271-wallets.test.ts, "return-bomb").
        assembly ("memory-safe") {
            gasLeft := gas()
            if iszero(lt(gasLeft, gasNeeded)) {
                success := staticcall(stipend, reader, add(query, 0x20), mload(query), 0x00, 0x20)
                returnSize := returndatasize()
                returnWord := mload(0x00)
            }
        }
        if (gasLeft < gasNeeded) revert InsufficientGasForWalletCheck(gasLeft, gasNeeded);
        _resetFreeMemoryPointer(memoryCheckpoint);
        // Compare the whole word: a bytes4 with dirty low bits is no valid answer.
        return success && returnSize >= 0x20 && returnWord == bytes32(IERC1271.isValidSignature.selector);
    }

    /// @dev Splits `amount` over every (creator, count) entry of the reader's checked tallies, in order,
    /// adding each share to the batch's credit of the creator's index in the creator table.
    ///
    /// Entry `i` is paid the difference of running totals, `floor(amount * C_i / clicks) -
    /// floor(amount * C_(i-1) / clicks)` where `C_i` is the clicks of entries `0..i`. The shares sum to
    /// exactly `amount` (the last running total is `amount`), each is within one unit of the exact pro-rata
    /// value, and the rounding dust falls deterministically by position.
    function _split(
        bytes calldata batch,
        uint256 tallies,
        uint256 tallyCount,
        uint256 amount,
        uint256 clicks,
        uint256[] memory credits
    ) private pure {
        uint256 cumulativeClicks = 0;
        uint256 paid = 0;
        uint256 tally = tallies;
        for (uint256 i = 0; i < tallyCount; ++i) {
            (uint256 entries, uint256 entryCount) = SettlementBatch.entriesOf(batch, tally);
            tally = SettlementBatch.endOf(batch, tally);
            // Once per click entry, so in assembly, reading entries as `_checkClicks` does. `_checkClicks`
            // checked every index against the creator table, which `credits` mirrors.
            // cumulativeClicks <= clicks < 2**43 and amount < 2**128: no overflow; running totals only grow,
            // so no share is negative.
            assembly ("memory-safe") {
                let table := add(credits, 0x20)
                let entry := add(batch.offset, entries)
                for {
                    let last := add(entry, mul(entryCount, ENTRY_BYTES))
                } lt(entry, last) {
                    entry := add(entry, ENTRY_BYTES)
                } {
                    let word := calldataload(entry)
                    cumulativeClicks := add(cumulativeClicks, and(shr(ENTRY_COUNT_SHIFT, word), ENTRY_COUNT_MASK))
                    let paidThrough := div(mul(amount, cumulativeClicks), clicks)
                    let credit := add(table, shl(5, shr(ENTRY_INDEX_SHIFT, word)))
                    mstore(credit, add(mload(credit), sub(paidThrough, paid)))
                    paid := paidThrough
                }
            }
        }
    }

    /// @dev Moves the batch's credits to storage, one write and one event per credited table entry.
    function _flushCredits(uint64 epoch, address[] memory creators, uint256[] memory credits) private {
        for (uint256 i = 0; i < credits.length; ++i) {
            uint256 amount = credits[i];
            if (amount == 0) continue;
            address creator = creators[i];
            _claimable[creator] += amount;
            emit CreatorCredited(epoch, creator, amount);
        }
    }

    function _freeMemoryPointer() private pure returns (uint256 pointer) {
        assembly ("memory-safe") {
            pointer := mload(0x40)
        }
    }

    /// @dev Frees everything allocated since `pointer` was read: the caller holds no reference to it.
    function _resetFreeMemoryPointer(uint256 pointer) private pure {
        assembly ("memory-safe") {
            mstore(0x40, pointer)
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Signed intents (the rest is in {PlauditFunding})
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditFunding
    function intentNonceOf(address reader) external view returns (uint256) {
        return _accounts[reader].intentNonce;
    }

    function _fundingToken() internal view override returns (IERC20) {
        return TOKEN;
    }

    function _useIntentNonce(address reader, uint256 nonce) internal override {
        ReaderAccount storage account = _accounts[reader];
        uint64 expected = account.intentNonce;
        if (nonce != expected) revert InvalidIntentNonce(reader, expected, nonce);
        account.intentNonce = expected + 1;
    }

    // ---------------------------------------------------------------------------------------------
    // Claims
    // ---------------------------------------------------------------------------------------------

    function _claim(address creator, address recipient) private returns (uint256 amount) {
        amount = _claimable[creator];
        if (amount == 0) revert NothingToWithdraw(creator);
        _claimable[creator] = 0;
        emit Claimed(creator, recipient, amount);
        TOKEN.safeTransfer(recipient, amount);
    }
}
