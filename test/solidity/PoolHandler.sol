// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditFunding} from "../../contracts/interfaces/IPlauditFunding.sol";
import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title Handler driving PlauditPool through random but meaningful action sequences
/// @notice Bounds every fuzzed input into a valid (or deliberately invalid) action, predicts its outcome
/// with an independent reference model (ghost state), performs it and checks the pool did exactly what
/// the model says. Any disagreement reverts with a message; the invariant suite runs with
/// `failOnRevert`, so every unexpected revert is a failure too.
///
/// Readers are EOAs and ERC-1271 wallets, each with up to `MAX_TALLIES_PER_READER` signing keys (its own
/// and `SESSION_KEYS` session keys); batches may use a shuffled creator table naming creators twice; time
/// may jump past `MAX_SWEEP_EPOCHS` epochs, so that withdrawals take several calls.
contract PoolHandler is TestBase {
    enum Status {
        Open,
        Settled,
        Returned
    }

    /// @dev Readers `0 .. EOA_READERS - 1` are EOAs, the others ERC-1271 wallets owned by a key.
    uint256 public constant EOA_READERS = 3;
    uint256 public constant WALLET_READERS = 2;
    uint256 public constant READERS = EOA_READERS + WALLET_READERS;
    /// @dev Session keys per reader: with the reader's own key, `MAX_TALLIES_PER_READER` signing keys.
    uint256 public constant SESSION_KEYS = 7;
    uint256 public constant CREATORS = 5;
    /// @dev Time never moves past this epoch (several long jumps fit below it).
    uint64 public constant LAST_EPOCH = 3_000;
    /// @dev A long jump moves time on by `MAX_SWEEP_EPOCHS + 1` to this many epochs.
    uint64 public constant MAX_JUMP_EPOCHS = 600;
    uint64 public constant MAX_AHEAD = 4;
    uint64 public constant MAX_EPOCHS = 6;
    uint256 public constant MAX_AMOUNT = 1e12;
    /// @dev Extra table entries repeating creators in a batch with a shuffled creator table.
    uint256 public constant MAX_TABLE_COPIES = 3;
    address public constant KEEPER = address(0xBEEF);

    PlauditPool public immutable pool;
    MockStablecoin public immutable token;
    uint256 public immutable startTime;
    uint256 public immutable epochLength;
    uint256 public immutable tipBps;
    uint64 public immutable maxSweepEpochs;

    address[READERS] public readers;
    /// @dev The key whose ECDSA signatures count as the reader's: its own, or its wallet owner's.
    uint256[READERS] private signingKeys;
    /// @dev Strictly ascending; never a reader.
    address[CREATORS] public creators;
    /// @dev Where `claimTo` sends creator i's money.
    address[CREATORS] public wallets;

    /// @dev The time of the sequence: every action first warps here, so no cheatcode state is assumed
    /// to persist between calls.
    uint256 public time;
    /// @dev One past the highest epoch ever funded.
    uint64 public epochCeiling;

    // ---- ghost totals (model) ----
    uint256 public deposited;
    uint256 public refunded;
    uint256 public returned;
    uint256 public claimed;
    uint256 public tips;
    /// @dev One-off tips readers sent creators (`pool.tip`): in `deposited` and credited, never in a budget.
    uint256 public readerTips;
    mapping(address reader => uint256) public depositedBy;
    mapping(address reader => uint256) public refundedTo;
    mapping(address reader => uint256) public returnedTo;
    mapping(address creator => uint256) public creditedTo;
    mapping(address creator => uint256) public claimedBy;
    mapping(address reader => mapping(uint64 epoch => uint256)) public modelBudget;
    mapping(address reader => mapping(uint64 epoch => Status)) public modelStatus;
    /// @dev Every epoch a reader ever funded, in the order first funded: the epochs worth checking.
    mapping(address reader => uint64[]) private _fundedEpochs;
    mapping(address reader => mapping(uint64 epoch => bool)) private _listed;
    /// @dev Per reader: budgets settled, and what the model paid out of them (tips + shares).
    mapping(address reader => uint256) public settledBudgetOf;
    mapping(address reader => uint256) public splitOutOf;
    // ---- observations of the pool (not the model) ----
    mapping(address reader => mapping(uint64 epoch => bool)) public seenSettled;
    mapping(address reader => mapping(uint64 epoch => bool)) public seenReturned;
    /// @dev Budgets the pool marked settled and what left them as credits and tips, measured.
    uint256 public observedSettledBudgets;
    uint256 public observedPayouts;
    /// @dev Action counters, to see what a campaign exercised.
    mapping(bytes32 action => uint256) public calls;
    /// @dev Settle calls per `kind` (see {settle}).
    mapping(uint256 kind => uint256) public settleCalls;

    constructor(PlauditPool pool_, MockStablecoin token_) {
        pool = pool_;
        token = token_;
        startTime = pool_.startTime();
        epochLength = pool_.epochLength();
        tipBps = pool_.keeperTipBps();
        maxSweepEpochs = pool_.MAX_SWEEP_EPOCHS();
        assertEq(SESSION_KEYS + 1, pool_.MAX_TALLIES_PER_READER(), "one own key and SESSION_KEYS session keys");
        time = block.timestamp;
        for (uint256 i = 0; i < READERS; ++i) {
            signingKeys[i] = 0xA11CE + i;
            readers[i] =
                i < EOA_READERS ? vm.addr(signingKeys[i]) : address(new MockERC1271Wallet(vm.addr(signingKeys[i])));
        }
        // Low addresses: strictly ascending and below every reader, session key, the pool and the token.
        for (uint256 i = 0; i < CREATORS; ++i) {
            creators[i] = address(uint160(0xC0000 + i));
            wallets[i] = address(uint160(0xE0000 + i));
        }
    }

    // =============================================================================================
    // Actions
    // =============================================================================================

    function subscribe(uint256 readerSeed, uint256 amount, uint256 epochs, uint256 offset) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        uint64 current = _currentEpoch();
        amount = bound(amount, 1, MAX_AMOUNT);
        uint64 count = uint64(bound(epochs, 1, MAX_EPOCHS));

        if (offset % 8 == 7 && current > 0) {
            // An epoch that already started cannot be funded.
            calls["subscribe:past"]++;
            vm.prank(reader);
            try pool.subscribe(amount, count, current - 1) {
                revert("subscribe to a started epoch succeeded");
            } catch (bytes memory err) {
                _expectError(err, IPlauditPool.EpochAlreadyStarted.selector, "subscribe past");
            }
            return;
        }

        calls["subscribe"]++;
        uint64 first = current + uint64(bound(offset, 0, MAX_AHEAD));
        uint256 total = amount * count;
        token.mint(reader, total);
        vm.startPrank(reader);
        token.approve(address(pool), total);
        pool.subscribe(amount, count, first);
        vm.stopPrank();

        deposited += total;
        depositedBy[reader] += total;
        for (uint64 e = first; e < first + count; ++e) {
            assertTrue(modelStatus[reader][e] == Status.Open, "model: funded a closed epoch");
            modelBudget[reader][e] += amount;
            if (!_listed[reader][e]) {
                _listed[reader][e] = true;
                _fundedEpochs[reader].push(e);
            }
        }
        if (first + count > epochCeiling) epochCeiling = first + count;
    }

    function cancel(uint256 readerSeed, uint256 offset) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        uint64 current = _currentEpoch();
        uint64 from = current + uint64(bound(offset, 0, MAX_AHEAD + MAX_EPOCHS));

        vm.prank(reader);
        try pool.cancel(from) returns (uint256 refund) {
            assertTrue(from > current, "cancelled a started epoch");
            uint256 expected = 0;
            for (uint64 e = from; e < epochCeiling; ++e) {
                expected += modelBudget[reader][e];
                modelBudget[reader][e] = 0;
            }
            assertEq(refund, expected, "cancel refund");
            calls["cancel"]++;
            refunded += refund;
            refundedTo[reader] += refund;
        } catch (bytes memory err) {
            if (from == current) {
                calls["cancel:started"]++;
                _expectError(err, IPlauditPool.EpochAlreadyStarted.selector, "cancel started");
            } else {
                calls["cancel:nothing"]++;
                _expectError(err, IPlauditPool.NothingToCancel.selector, "cancel nothing");
                for (uint64 e = from; e < epochCeiling; ++e) {
                    assertEq(modelBudget[reader][e], 0, "pool refused to cancel a funded epoch");
                }
            }
        }
    }

    function warp(uint256 seconds_) external {
        _sync();
        // Hashed, so that the fuzzer's favourite edge values (0, 1, max) still move across epochs.
        _warpTo(time + 1 + (uint256(keccak256(abi.encode(seconds_))) % (2 * epochLength)), "warp");
    }

    /// @notice Moves time on by more than `MAX_SWEEP_EPOCHS` epochs: every budget so far expires, and a
    /// reader who funds again later needs several `withdraw` calls to sweep back to it.
    function warpFar(uint256 epochs) external {
        _sync();
        uint256 jump = bound(uint256(keccak256(abi.encode(epochs))), uint256(maxSweepEpochs) + 1, MAX_JUMP_EPOCHS);
        _warpTo(time + jump * epochLength, "warpFar");
    }

    function revokeSessions(uint256 readerSeed) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        uint32 before = pool.sessionNonceOf(reader);
        vm.prank(reader);
        assertEq(pool.revokeSessions(), before + 1, "new session nonce");
        calls["revoke"]++;
    }

    /// @notice Settles the previous epoch for the readers in `readerMask`. `kind` picks a good batch or
    /// one flaw: 2 a tally signed by the wrong key, 3 the first reader listed twice, 4 bad clicks (creators
    /// out of order, a zero count, a self-click, the pool or its token), 5 a session of a stale nonce, 6 an
    /// epoch outside its settlement window.
    function settle(uint256 readerMask, uint256 seed, uint256 kind) external {
        _sync();
        uint64 current = _currentEpoch();
        kind = bound(kind, 0, 6);
        if (current == 0) kind = 6;
        if (kind == 6) {
            calls["settle:window"]++;
            uint64 epoch = current == 0 || seed % 2 == 0 ? current : (current >= 2 ? current - 2 : current);
            vm.prank(KEEPER);
            try pool.settle(epoch, new address[](0), "") {
                revert("settled outside the window");
            } catch (bytes memory err) {
                _expectError(err, IPlauditPool.NotInSettlementWindow.selector, "settle window");
            }
            return;
        }
        _settle(current - 1, _preferFunded(current - 1, bound(readerMask, 1, 2 ** READERS - 1)), seed, kind);
    }

    /// @notice A well-formed batch of the previous epoch: weighs settlement up against the other actions.
    function settleGood(uint256 readerMask, uint256 seed) external {
        _sync();
        uint64 current = _currentEpoch();
        if (current == 0) return;
        _settle(current - 1, _preferFunded(current - 1, bound(readerMask, 1, 2 ** READERS - 1)), seed, 0);
    }

    /// @dev Narrows `mask` to readers with an open budget in `epoch` when it has any, so that most
    /// batches settle someone; otherwise keeps it (those readers are skipped for having no budget).
    function _preferFunded(uint64 epoch, uint256 mask) private view returns (uint256) {
        uint256 funded = 0;
        for (uint256 i = 0; i < READERS; ++i) {
            address reader = readers[i];
            if (modelStatus[reader][epoch] == Status.Open && modelBudget[reader][epoch] != 0) funded |= 1 << i;
        }
        return mask & funded != 0 ? mask & funded : mask;
    }

    /// @notice One `withdraw` call. The model knows which budgets are open and expired, not how the pool
    /// walks them: the call must return exactly the open budgets of the epochs it swept (from
    /// `readerEpochs`' `sweepFrom` before to after), move `sweepFrom` on by 1 to `MAX_SWEEP_EPOCHS`
    /// expired epochs, and never leave an open budget behind it; it reverts only when nothing is owed.
    function withdraw(uint256 readerSeed) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        uint64 expiredBefore = _expiredBefore();
        uint64[] storage funded = _fundedEpochs[reader];
        uint256 owed = 0;
        for (uint256 k = 0; k < funded.length; ++k) {
            uint64 e = funded[k];
            if (e < expiredBefore && modelStatus[reader][e] == Status.Open) owed += modelBudget[reader][e];
        }
        assertEq(pool.withdrawableOf(reader), owed, "withdrawableOf");
        (uint64 sweptFrom, ) = pool.readerEpochs(reader);
        uint256 balanceBefore = token.balanceOf(reader);
        vm.prank(reader);
        try pool.withdraw() returns (uint256 amount) {
            (uint64 sweptTo, ) = pool.readerEpochs(reader);
            assertTrue(sweptTo > sweptFrom, "withdraw did not move the sweep on");
            assertLe(sweptTo - sweptFrom, maxSweepEpochs, "withdraw swept more than MAX_SWEEP_EPOCHS epochs");
            assertLe(sweptTo, expiredBefore, "withdraw swept an epoch that has not expired");
            uint256 returnedNow = 0;
            for (uint256 k = 0; k < funded.length; ++k) {
                uint64 e = funded[k];
                if (modelStatus[reader][e] != Status.Open || modelBudget[reader][e] == 0) continue;
                (, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(reader, e);
                bool swept = e < sweptTo;
                if (swept) assertTrue(e >= sweptFrom, "an open budget was left behind the sweep");
                assertTrue(
                    (status == IPlauditPool.BudgetStatus.Returned) == swept,
                    "withdraw returned a budget outside the epochs it swept, or kept one inside"
                );
                if (!swept) continue;
                modelStatus[reader][e] = Status.Returned;
                seenReturned[reader][e] = true;
                returnedNow += modelBudget[reader][e];
            }
            assertEq(amount, returnedNow, "withdraw amount");
            assertEq(token.balanceOf(reader) - balanceBefore, amount, "withdraw transfer");
            assertEq(pool.withdrawableOf(reader), owed - amount, "withdrawableOf after withdraw");
            calls[sweptTo - sweptFrom == maxSweepEpochs ? bytes32("withdraw:capped") : bytes32("withdraw")]++;
            returned += amount;
            returnedTo[reader] += amount;
        } catch (bytes memory err) {
            calls["withdraw:nothing"]++;
            _expectError(err, IPlauditPool.NothingToWithdraw.selector, "withdraw");
            assertEq(owed, 0, "pool refused to return expired budgets");
        }
    }

    /// @notice A reader tips a creator (or tries an invalid tip): credited at once, no budget touched.
    function tipCreator(uint256 readerSeed, uint256 creatorSeed, uint256 amount) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        amount = bound(amount, 0, MAX_AMOUNT);
        if (amount == 0) {
            calls["tip:zero"]++;
            vm.prank(reader);
            try pool.tip(creators[creatorSeed % CREATORS], 0) {
                revert("a zero tip succeeded");
            } catch (bytes memory err) {
                _expectError(err, IPlauditPool.ZeroAmount.selector, "zero tip");
            }
            return;
        }
        if (creatorSeed % 8 == 7) {
            // The pool and its token are no creators: a credit to them could never leave.
            calls["tip:pool"]++;
            address notCreator = creatorSeed % 16 == 7 ? address(pool) : address(token);
            vm.prank(reader);
            try pool.tip(notCreator, amount) {
                revert("a tip to the pool or its token succeeded");
            } catch (bytes memory err) {
                _expectError(err, IPlauditFunding.InvalidTipCreator.selector, "tip to pool");
            }
            return;
        }
        calls["tip"]++;
        address creator = creators[creatorSeed % CREATORS];
        uint256 claimableBefore = pool.claimableOf(creator);
        token.mint(reader, amount);
        vm.startPrank(reader);
        token.approve(address(pool), amount);
        pool.tip(creator, amount);
        vm.stopPrank();
        assertEq(pool.claimableOf(creator), claimableBefore + amount, "tip credit");
        deposited += amount;
        readerTips += amount;
        creditedTo[creator] += amount;
    }

    function claim(uint256 creatorSeed, bool toWallet) external {
        _sync();
        uint256 index = creatorSeed % CREATORS;
        address creator = creators[index];
        address recipient = toWallet ? wallets[index] : creator;
        uint256 owed = creditedTo[creator] - claimedBy[creator];
        assertEq(pool.claimableOf(creator), owed, "claimableOf");
        uint256 balanceBefore = token.balanceOf(recipient);
        (bool ok, uint256 amount, bytes memory err) = _claimCall(creator, toWallet ? recipient : address(0));
        if (ok) {
            calls["claim"]++;
            assertEq(amount, owed, "claim amount");
            assertEq(token.balanceOf(recipient) - balanceBefore, amount, "claim transfer");
            assertEq(pool.claimableOf(creator), 0, "claimable after claim");
            claimed += amount;
            claimedBy[creator] += amount;
        } else {
            calls["claim:nothing"]++;
            _expectError(err, IPlauditPool.NothingToWithdraw.selector, "claim");
            assertEq(owed, 0, "pool refused a claim it owes");
        }
    }

    // =============================================================================================
    // Views for the invariants
    // =============================================================================================

    /// @notice One funded budget in the model, and what the handler saw the pool do with it.
    struct ModelBudget {
        uint64 epoch;
        uint256 amount;
        Status status;
        bool seenSettled;
        bool seenReturned;
    }

    /// @notice A reader's books in the model.
    struct ReaderLedger {
        address account;
        uint256 deposited;
        uint256 refunded;
        uint256 returned;
        uint256 settledBudget;
        uint256 splitOut;
        /// Every budget the reader ever funded (other epochs are zero and open in pool and model).
        ModelBudget[] budgets;
    }

    /// @notice A creator's books in the model.
    struct CreatorLedger {
        address account;
        address wallet;
        uint256 credited;
        uint256 claimed;
    }

    /// @notice The whole model and the handler's observations, in one call for the invariants.
    struct Ledger {
        uint256 deposited;
        uint256 refunded;
        uint256 returned;
        uint256 claimed;
        uint256 tips;
        uint256 observedSettledBudgets;
        uint256 observedPayouts;
        ReaderLedger[READERS] readers;
        CreatorLedger[CREATORS] creators;
    }

    /// @notice The model's books (one external call instead of dozens of getters after every action).
    function ledger() external view returns (Ledger memory books) {
        (books.deposited, books.refunded, books.returned, books.claimed, books.tips) = (
            deposited,
            refunded,
            returned,
            claimed,
            tips
        );
        (books.observedSettledBudgets, books.observedPayouts) = (observedSettledBudgets, observedPayouts);
        for (uint256 i = 0; i < READERS; ++i) {
            address reader = readers[i];
            ReaderLedger memory entry = books.readers[i];
            entry.account = reader;
            (entry.deposited, entry.refunded, entry.returned) = (
                depositedBy[reader],
                refundedTo[reader],
                returnedTo[reader]
            );
            (entry.settledBudget, entry.splitOut) = (settledBudgetOf[reader], splitOutOf[reader]);
            uint64[] storage epochs = _fundedEpochs[reader];
            entry.budgets = new ModelBudget[](epochs.length);
            for (uint256 k = 0; k < epochs.length; ++k) {
                uint64 e = epochs[k];
                entry.budgets[k] = ModelBudget(
                    e,
                    modelBudget[reader][e],
                    modelStatus[reader][e],
                    seenSettled[reader][e],
                    seenReturned[reader][e]
                );
            }
        }
        for (uint256 c = 0; c < CREATORS; ++c) {
            address creator = creators[c];
            books.creators[c] = CreatorLedger(creator, wallets[c], creditedTo[creator], claimedBy[creator]);
        }
    }

    // =============================================================================================
    // Settlement with a reference split
    // =============================================================================================

    /// @dev What settling one batch should do, per reader and per creator.
    struct Expectation {
        uint256 settled;
        uint256 tip;
        uint256[CREATORS] credit;
    }

    function _settle(uint64 epoch, uint256 mask, uint256 seed, uint256 kind) private {
        settleCalls[kind]++;
        uint256 n = 0;
        for (uint256 i = 0; i < READERS; ++i) if ((mask >> i) & 1 == 1) ++n;
        bool duplicate = kind == 3;
        BatchEncoder.ReaderTallies[] memory readerTallies = new BatchEncoder.ReaderTallies[](duplicate ? n + 1 : n);
        Expectation memory expectation;
        uint256 k = 0;
        for (uint256 i = 0; i < READERS; ++i) {
            if ((mask >> i) & 1 == 0) continue;
            // The flaw, if any, hits the first reader of the batch only.
            uint256 flaw = k == 0 && kind >= 2 && kind <= 5 && kind != 3 ? kind : 0;
            readerTallies[k] = _readerTallies(i, epoch, uint256(keccak256(abi.encode(seed, i))), flaw);
            _expectReader(epoch, readerTallies[k], flaw == 0, expectation);
            ++k;
        }
        if (duplicate) readerTallies[n] = readerTallies[0]; // already settled (or skipped) by its first entry
        (address[] memory table, bytes memory batch) = _encode(readerTallies, seed);

        uint256[CREATORS] memory claimableBefore;
        for (uint256 c = 0; c < CREATORS; ++c) claimableBefore[c] = pool.claimableOf(creators[c]);
        uint256 keeperBefore = token.balanceOf(KEEPER);
        uint256[READERS] memory budgetBefore;
        for (uint256 i = 0; i < READERS; ++i) (budgetBefore[i], , ) = pool.budgetOf(readers[i], epoch);
        bool[READERS] memory settledBefore;
        for (uint256 i = 0; i < READERS; ++i) settledBefore[i] = pool.isSettled(readers[i], epoch);

        vm.prank(KEEPER);
        uint256 settled = pool.settle(epoch, table, batch);

        assertEq(settled, expectation.settled, "readers settled");
        uint256 keeperGain = token.balanceOf(KEEPER) - keeperBefore;
        assertEq(keeperGain, expectation.tip, "keeper tip");
        uint256 payout = keeperGain;
        for (uint256 c = 0; c < CREATORS; ++c) {
            uint256 gain = pool.claimableOf(creators[c]) - claimableBefore[c];
            assertEq(gain, expectation.credit[c], "creator credit differs from the reference split");
            payout += gain;
        }
        for (uint256 i = 0; i < READERS; ++i) {
            bool nowSettled = pool.isSettled(readers[i], epoch);
            if (nowSettled && !settledBefore[i]) {
                observedSettledBudgets += budgetBefore[i];
                seenSettled[readers[i]][epoch] = true;
            }
            assertTrue(nowSettled == (modelStatus[readers[i]][epoch] == Status.Settled), "settled status vs model");
        }
        observedPayouts += payout;
    }

    /// @dev The batch's creator table and packed batch: one in three batches uses a shuffled table that
    /// repeats up to MAX_TABLE_COPIES creators, each entry picking one of its creator's copies.
    function _encode(
        BatchEncoder.ReaderTallies[] memory readerTallies,
        uint256 seed
    ) private returns (address[] memory table, bytes memory batch) {
        if (seed % 3 != 0) return BatchEncoder.encode(readerTallies);
        calls["settle:shuffledTable"]++;
        table = BatchEncoder.shuffledTable(readerTallies, bound(seed >> 8, 1, MAX_TABLE_COPIES), seed);
        batch = BatchEncoder.encodeWithTable(readerTallies, table, seed >> 16);
    }

    /// @dev Predicts one reader entry with the model and books it: skipped (already settled, no budget,
    /// or flawed) or settled with a tip and running-total shares.
    function _expectReader(
        uint64 epoch,
        BatchEncoder.ReaderTallies memory entry,
        bool wellFormed,
        Expectation memory expectation
    ) private {
        address reader = entry.reader;
        uint256 budget = modelBudget[reader][epoch];
        if (modelStatus[reader][epoch] != Status.Open || budget == 0 || !wellFormed) return;

        uint256 tip = (budget * tipBps) / 10_000;
        uint256 amount = budget - tip;
        uint256 clicks = 0;
        for (uint256 t = 0; t < entry.tallies.length; ++t) {
            uint32[] memory counts = entry.tallies[t].counts;
            for (uint256 j = 0; j < counts.length; ++j) clicks += counts[j];
        }
        uint256 cumulative = 0;
        uint256 paid = 0;
        for (uint256 t = 0; t < entry.tallies.length; ++t) {
            BatchEncoder.SignedTally memory tally = entry.tallies[t];
            for (uint256 j = 0; j < tally.creators.length; ++j) {
                cumulative += tally.counts[j];
                uint256 through = (amount * cumulative) / clicks;
                uint256 share = through - paid;
                paid = through;
                address creator = tally.creators[j];
                uint256 c = uint160(creator) - 0xC0000;
                expectation.credit[c] += share;
                creditedTo[creator] += share;
            }
        }
        assertEq(paid, amount, "model: split does not add up");
        expectation.settled += 1;
        if (reader.code.length != 0) calls["settled:wallet"]++;
        if (entry.tallies.length > 2) calls["settled:3+tallies"]++;
        if (entry.tallies.length == SESSION_KEYS + 1) calls["settled:8tallies"]++;
        expectation.tip += tip;
        tips += tip;
        modelStatus[reader][epoch] = Status.Settled;
        settledBudgetOf[reader] += budget;
        splitOutOf[reader] += tip + paid;
    }

    /// @dev 1 to 8 tallies of reader `i`, by distinct keys out of its own and its SESSION_KEYS session
    /// keys, ordered by key; creators of each a random non-empty subset. Mostly one or two tallies (cheap),
    /// one batch in four up to eight. `flaw` (on the first tally): 2 wrong signing key, 4 bad clicks,
    /// 5 stale session nonce.
    function _readerTallies(
        uint256 i,
        uint64 epoch,
        uint256 seed,
        uint256 flaw
    ) private view returns (BatchEncoder.ReaderTallies memory entry) {
        entry.reader = readers[i];
        uint256 count = seed % 4 == 0 ? 1 + ((seed >> 2) % (SESSION_KEYS + 1)) : 1 + ((seed >> 2) % 2);
        // Signing keys: 0 is the reader's own, k > 0 its k-th session key. Pick `count` of them.
        uint256[SESSION_KEYS + 1] memory keys;
        for (uint256 k = 0; k <= SESSION_KEYS; ++k) keys[k] = k;
        for (uint256 k = SESSION_KEYS; k > 0; --k) {
            uint256 j = uint256(keccak256(abi.encode(seed, "keys", k))) % (k + 1);
            (keys[k], keys[j]) = (keys[j], keys[k]);
        }
        address[] memory signers = new address[](count);
        for (uint256 t = 0; t < count; ++t) signers[t] = keys[t] == 0 ? entry.reader : vm.addr(_sessionKey(i, keys[t]));
        // Order by signer, strictly ascending, as the pool requires.
        for (uint256 t = 1; t < count; ++t) {
            for (uint256 u = t; u > 0 && signers[u - 1] > signers[u]; --u) {
                (signers[u - 1], signers[u]) = (signers[u], signers[u - 1]);
                (keys[u - 1], keys[u]) = (keys[u], keys[u - 1]);
            }
        }
        entry.tallies = new BatchEncoder.SignedTally[](count);
        for (uint256 t = 0; t < count; ++t) {
            uint256 tallySeed = uint256(keccak256(abi.encode(seed, t)));
            entry.tallies[t] = _tally(i, epoch, tallySeed, keys[t], t == 0 ? flaw : 0);
        }
    }

    /// @dev A tally of reader `i` by its own key (`key` 0) or its `key`-th session key.
    function _tally(
        uint256 i,
        uint64 epoch,
        uint256 seed,
        uint256 key,
        uint256 flaw
    ) private view returns (BatchEncoder.SignedTally memory tally) {
        bool session = key != 0;
        address reader = readers[i];
        uint256 subset = bound(seed % 32, 1, 31);
        uint256 n = 0;
        for (uint256 c = 0; c < CREATORS; ++c) if ((subset >> c) & 1 == 1) ++n;
        if (flaw == 4 && n == 1) (subset, n) = (subset | (subset == 1 ? 2 : 1), 2);
        address[] memory tallyCreators = new address[](n);
        uint32[] memory counts = new uint32[](n);
        uint256 k = 0;
        for (uint256 c = 0; c < CREATORS; ++c) {
            if ((subset >> c) & 1 == 0) continue;
            uint256 word = uint256(keccak256(abi.encode(seed, c)));
            counts[k] = uint32(word % 2 == 0 ? 1 + ((word >> 8) % 10) : 1 + ((word >> 8) % type(uint32).max));
            tallyCreators[k] = creators[c];
            ++k;
        }
        uint256 signingKey = session ? _sessionKey(i, key) : signingKeys[i];
        tally.signer = session ? vm.addr(signingKey) : reader;
        tally.seq = uint64(seed >> 192);
        if (flaw == 4) _breakClicks(tallyCreators, counts, reader, seed);
        (tally.creators, tally.counts) = (tallyCreators, counts);
        bytes32 digest = pool.tallyDigest(reader, epoch, tally.seq, tallyCreators, counts);
        tally.signature = signDigest(flaw == 2 ? signingKey + 1000 : signingKey, digest);
        if (session) {
            (, , uint32 nonce) = pool.budgetOf(reader, epoch);
            if (flaw == 5) nonce += 1;
            tally.sessionExpiry = uint64(startTime + (uint256(epoch) + 1) * epochLength + ((seed >> 64) % 1000));
            tally.sessionSignature = signDigest(
                signingKeys[i],
                pool.sessionDigest(reader, tally.signer, tally.sessionExpiry, nonce)
            );
        } else if (flaw == 5) {
            // A stale delegation needs a session tally: use a key the reader never delegated instead.
            tally.signature = signDigest(signingKey + 1000, digest);
        }
    }

    /// @dev Flaw 4 on a tally of at least two creators, before it is signed, so that only the pool's
    /// click checks can refuse it: two creators out of order (each with its count), a zero count, or the
    /// reader, the pool or the token among its own creators (last: readers, the pool and the token lie
    /// above every creator, so the order still holds).
    function _breakClicks(
        address[] memory tallyCreators,
        uint32[] memory counts,
        address reader,
        uint256 seed
    ) private view {
        uint256 how = (seed >> 128) % 5;
        if (how == 0) {
            (tallyCreators[0], tallyCreators[1]) = (tallyCreators[1], tallyCreators[0]);
            (counts[0], counts[1]) = (counts[1], counts[0]);
        } else if (how == 1) {
            counts[(seed >> 136) % counts.length] = 0;
        } else {
            address unclickable =
                how == 2
                    ? reader
                    : how == 3
                        ? address(pool)
                        : address(token);
            tallyCreators[tallyCreators.length - 1] = unclickable;
        }
    }

    // =============================================================================================
    // Helpers
    // =============================================================================================

    function _sync() private {
        vm.warp(time);
    }

    function _warpTo(uint256 next, bytes32 action) private {
        if ((next - startTime) / epochLength > LAST_EPOCH) return;
        calls[action]++;
        time = next;
        vm.warp(time);
    }

    function _currentEpoch() private view returns (uint64) {
        uint64 epoch = uint64((time - startTime) / epochLength);
        assertEq(pool.currentEpoch(), epoch, "currentEpoch");
        return epoch;
    }

    /// @dev Epochs before this one are past their settlement deadline (epoch e expires at the start of
    /// e + 2).
    function _expiredBefore() private view returns (uint64) {
        uint64 current = _currentEpoch();
        return current >= 1 ? current - 1 : 0;
    }

    function _reader(uint256 seed) private view returns (address, uint256) {
        uint256 i = seed % READERS;
        return (readers[i], i);
    }

    /// @dev Session key `k` (1 to SESSION_KEYS) of reader `i`.
    function _sessionKey(uint256 i, uint256 k) private pure returns (uint256) {
        return 0x5E5510 + 16 * i + k;
    }

    function _expectError(bytes memory err, bytes4 selector, string memory what) private pure {
        assertTrue(err.length >= 4 && bytes4(err) == selector, string.concat(what, ": unexpected revert reason"));
    }

    /// @dev `claim(creator)` by a stranger, or `claimTo(recipient)` by the creator when a recipient is given.
    function _claimCall(
        address creator,
        address recipient
    ) private returns (bool ok, uint256 amount, bytes memory err) {
        if (recipient == address(0)) {
            try pool.claim(creator) returns (uint256 paid) {
                return (true, paid, "");
            } catch (bytes memory reason) {
                return (false, 0, reason);
            }
        }
        vm.prank(creator);
        try pool.claimTo(recipient) returns (uint256 paid) {
            return (true, paid, "");
        } catch (bytes memory reason) {
            return (false, 0, reason);
        }
    }
}
