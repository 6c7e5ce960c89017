// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title Handler driving PlauditPool through random but meaningful action sequences
/// @notice Bounds every fuzzed input into a valid (or deliberately invalid) action, predicts its outcome
/// with an independent reference model (ghost state), performs it and checks the pool did exactly what
/// the model says. Any disagreement reverts with a message; the invariant suite runs with
/// `failOnRevert`, so every unexpected revert is a failure too.
contract PoolHandler is TestBase {
    enum Status {
        Open,
        Settled,
        Returned
    }

    uint256 public constant READERS = 3;
    uint256 public constant CREATORS = 5;
    /// @dev Time never moves past this epoch: keeps every reader's span of epochs well below the pool's
    /// 256-epoch sweep window, which the model does not replicate.
    uint64 public constant LAST_EPOCH = 120;
    uint64 public constant MAX_AHEAD = 4;
    uint64 public constant MAX_EPOCHS = 6;
    uint256 public constant MAX_AMOUNT = 1e12;
    address public constant KEEPER = address(0xBEEF);

    PlauditPool public immutable pool;
    MockStablecoin public immutable token;
    uint256 public immutable startTime;
    uint256 public immutable epochLength;
    uint256 public immutable tipBps;

    address[READERS] public readers;
    uint256[READERS] private readerKeys;
    uint256[READERS] private sessionKeys;
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
    mapping(address reader => uint256) public depositedBy;
    mapping(address reader => uint256) public refundedTo;
    mapping(address reader => uint256) public returnedTo;
    mapping(address creator => uint256) public creditedTo;
    mapping(address creator => uint256) public claimedBy;
    mapping(address reader => mapping(uint64 epoch => uint256)) public modelBudget;
    mapping(address reader => mapping(uint64 epoch => Status)) public modelStatus;
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
        time = block.timestamp;
        for (uint256 i = 0; i < READERS; ++i) {
            readerKeys[i] = 0xA11CE + i;
            sessionKeys[i] = 0x5E5510 + i;
            readers[i] = vm.addr(readerKeys[i]);
        }
        // Low addresses: strictly ascending and never a key-derived reader.
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
        uint256 next = time + 1 + (uint256(keccak256(abi.encode(seconds_))) % (2 * epochLength));
        if ((next - startTime) / epochLength > LAST_EPOCH) return;
        calls["warp"]++;
        time = next;
        vm.warp(time);
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
    /// out of order, a zero count or a self-click), 5 a session of a stale nonce, 6 an epoch outside its
    /// settlement window.
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
        _settle(current - 1, _preferFunded(current - 1, bound(readerMask, 1, 7)), seed, kind);
    }

    /// @notice A well-formed batch of the previous epoch: weighs settlement up against the other actions.
    function settleGood(uint256 readerMask, uint256 seed) external {
        _sync();
        uint64 current = _currentEpoch();
        if (current == 0) return;
        _settle(current - 1, _preferFunded(current - 1, bound(readerMask, 1, 7)), seed, 0);
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

    function withdraw(uint256 readerSeed) external {
        _sync();
        (address reader, ) = _reader(readerSeed);
        uint64 current = _currentEpoch();
        // Epoch e expires at the start of e + 2.
        uint64 expiredBefore = current >= 1 ? current - 1 : 0;
        uint256 expected = 0;
        for (uint64 e = 0; e < expiredBefore && e < epochCeiling; ++e) {
            if (modelStatus[reader][e] == Status.Open) expected += modelBudget[reader][e];
        }
        assertEq(pool.withdrawableOf(reader), expected, "withdrawableOf");
        uint256 balanceBefore = token.balanceOf(reader);
        vm.prank(reader);
        try pool.withdraw() returns (uint256 amount) {
            calls["withdraw"]++;
            assertEq(amount, expected, "withdraw amount");
            assertEq(token.balanceOf(reader) - balanceBefore, amount, "withdraw transfer");
            for (uint64 e = 0; e < expiredBefore && e < epochCeiling; ++e) {
                if (modelStatus[reader][e] == Status.Open && modelBudget[reader][e] != 0) {
                    modelStatus[reader][e] = Status.Returned;
                    (, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(reader, e);
                    assertTrue(status == IPlauditPool.BudgetStatus.Returned, "swept budget not marked returned");
                    seenReturned[reader][e] = true;
                }
            }
            returned += amount;
            returnedTo[reader] += amount;
        } catch (bytes memory err) {
            calls["withdraw:nothing"]++;
            _expectError(err, IPlauditPool.NothingToWithdraw.selector, "withdraw");
            assertEq(expected, 0, "pool refused to return expired budgets");
        }
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
        (address[] memory table, bytes memory batch) = BatchEncoder.encode(readerTallies);

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
        expectation.tip += tip;
        tips += tip;
        modelStatus[reader][epoch] = Status.Settled;
        settledBudgetOf[reader] += budget;
        splitOutOf[reader] += tip + paid;
    }

    /// @dev One or two tallies of reader `i` (its session key's and/or its own), creators a random
    /// non-empty subset. `flaw`: 2 wrong signing key, 4 bad clicks, 5 stale session nonce.
    function _readerTallies(
        uint256 i,
        uint64 epoch,
        uint256 seed,
        uint256 flaw
    ) private view returns (BatchEncoder.ReaderTallies memory entry) {
        entry.reader = readers[i];
        uint256 which = bound(seed % 4, 1, 3); // 1 session only, 2 own only, 3 both
        uint256 count = which == 3 ? 2 : 1;
        entry.tallies = new BatchEncoder.SignedTally[](count);
        uint256 t = 0;
        address sessionKey = vm.addr(sessionKeys[i]);
        bool sessionFirst = sessionKey < readers[i];
        for (uint256 pass = 0; pass < 2; ++pass) {
            // Signing keys must be strictly ascending.
            bool session = (pass == 0) == sessionFirst;
            if (session && which & 1 == 0) continue;
            if (!session && which & 2 == 0) continue;
            entry.tallies[t] = _tally(i, epoch, uint256(keccak256(abi.encode(seed, pass))), session, t == 0 ? flaw : 0);
            ++t;
        }
    }

    function _tally(
        uint256 i,
        uint64 epoch,
        uint256 seed,
        bool session,
        uint256 flaw
    ) private view returns (BatchEncoder.SignedTally memory tally) {
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
        uint256 signingKey = session ? sessionKeys[i] : readerKeys[i];
        tally.signer = vm.addr(signingKey);
        tally.seq = uint64(seed >> 192);
        if (flaw == 4) _breakClicks(tallyCreators, counts, readers[i], seed);
        (tally.creators, tally.counts) = (tallyCreators, counts);
        bytes32 digest = pool.tallyDigest(readers[i], epoch, tally.seq, tallyCreators, counts);
        tally.signature = signDigest(flaw == 2 ? signingKey + 1000 : signingKey, digest);
        if (session) {
            (, , uint32 nonce) = pool.budgetOf(readers[i], epoch);
            if (flaw == 5) nonce += 1;
            tally.sessionExpiry = uint64(startTime + (uint256(epoch) + 1) * epochLength + ((seed >> 64) % 1000));
            tally.sessionSignature = signDigest(
                readerKeys[i],
                pool.sessionDigest(readers[i], tally.signer, tally.sessionExpiry, nonce)
            );
        } else if (flaw == 5) {
            // A stale delegation needs a session tally: use a key the reader never delegated instead.
            tally.signature = signDigest(signingKey + 1000, digest);
        }
    }

    /// @dev Flaw 4 on a tally of at least two creators, before it is signed, so that only the pool's
    /// click checks can refuse it: two creators out of order (each with its count), a zero count, or the
    /// reader among its own creators (last: a key-derived reader lies above every creator, so the order
    /// still holds).
    function _breakClicks(
        address[] memory tallyCreators,
        uint32[] memory counts,
        address reader,
        uint256 seed
    ) private pure {
        uint256 how = (seed >> 128) % 3;
        if (how == 0) {
            (tallyCreators[0], tallyCreators[1]) = (tallyCreators[1], tallyCreators[0]);
            (counts[0], counts[1]) = (counts[1], counts[0]);
        } else if (how == 1) {
            counts[(seed >> 136) % counts.length] = 0;
        } else {
            tallyCreators[tallyCreators.length - 1] = reader;
        }
    }

    // =============================================================================================
    // Helpers
    // =============================================================================================

    function _sync() private {
        vm.warp(time);
    }

    function _currentEpoch() private view returns (uint64) {
        uint64 epoch = uint64((time - startTime) / epochLength);
        assertEq(pool.currentEpoch(), epoch, "currentEpoch");
        return epoch;
    }

    function _reader(uint256 seed) private view returns (address, uint256) {
        uint256 i = seed % READERS;
        return (readers[i], i);
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
