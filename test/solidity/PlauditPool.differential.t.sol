// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool.settle against an independent model, on random batches
/// @notice Each run deploys a pool with a random keeper tip, funds 1 to 4 readers (EOAs and ERC-1271
/// wallets) with budgets up to 2**128 - 1, has each sign 1 to 8 tallies (its own key and session keys)
/// with counts up to 2**32 - 1 over creators drawn from a dozen, and settles them in one batch: readers
/// in random order, one of them listed a second time, against a shuffled creator table that names some
/// creators twice. The model, written from docs/protocol.md ("Settlement", step 2), predicts every
/// credit, the tip and every balance; the pool must agree to the unit.
contract PlauditPoolDifferentialTest is TestBase {
    uint64 private constant EPOCH_LENGTH = 30 days;
    uint256 private constant MAX_READERS = 4;
    uint256 private constant MAX_TALLIES = 8;
    uint256 private constant CREATORS = 12;
    uint256 private constant MAX_TABLE_COPIES = 4;
    uint256 private constant MAX_TIP_BPS = 100;
    address private constant KEEPER = address(0xBEEF);

    MockStablecoin private token;
    PlauditPool private pool;

    /// @dev One reader of a run: its address, the key that signs as it, and its budget.
    struct Reader {
        address account;
        uint256 key;
        uint256 budget;
    }

    function setUp() public {
        token = new MockStablecoin();
    }

    function testFuzz_SettlesRandomBatchesLikeTheModel(uint256 seed, uint256 tipBps, uint256 readerCount) public {
        pool = new PlauditPool(token, uint64(block.timestamp), EPOCH_LENGTH, uint16(bound(tipBps, 0, MAX_TIP_BPS)));
        Reader[] memory readers = _fundReaders(seed, bound(readerCount, 1, MAX_READERS));
        address[] memory creators = _creators(seed);

        // Every reader once, in random order, and one of them again at the end (with other tallies).
        uint256 n = readers.length;
        uint256[] memory order = _permutation(uint256(keccak256(abi.encode(seed, "order"))), n);
        BatchEncoder.ReaderTallies[] memory entries = new BatchEncoder.ReaderTallies[](n + 1);
        for (uint256 k = 0; k < n; ++k) {
            entries[k] = _readerTallies(
                readers[order[k]],
                creators,
                uint256(keccak256(abi.encode(seed, "tallies", k)))
            );
        }
        entries[n] = _readerTallies(readers[seed % n], creators, uint256(keccak256(abi.encode(seed, "again"))));
        address[] memory table = BatchEncoder.shuffledTable(entries, bound(seed >> 32, 0, MAX_TABLE_COPIES), seed);
        bytes memory batch = BatchEncoder.encodeWithTable(entries, table, seed >> 64);

        (uint256[] memory credits, uint256 tip) = _model(entries, readers, creators);

        vm.warp(block.timestamp + EPOCH_LENGTH);
        vm.prank(KEEPER);
        assertEq(pool.settle(0, table, batch), n, "every reader settles once, the repeat is skipped");

        uint256 claimables = 0;
        for (uint256 c = 0; c < CREATORS; ++c) {
            assertEq(pool.claimableOf(creators[c]), credits[c], "creator credit differs from the model");
            claimables += credits[c];
        }
        uint256 budgets = 0;
        for (uint256 r = 0; r < n; ++r) {
            budgets += readers[r].budget;
            (uint256 amount, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(readers[r].account, 0);
            assertEq(amount, readers[r].budget, "budget record changed");
            assertTrue(status == IPlauditPool.BudgetStatus.Settled, "reader not settled");
            assertEq(token.balanceOf(readers[r].account), 0, "a reader got money back");
        }
        assertEq(token.balanceOf(KEEPER), tip, "keeper tip differs from the model");
        assertEq(token.balanceOf(address(pool)), claimables, "pool balance != claimables");
        assertEq(claimables + tip, budgets, "credits + tip != settled budgets");
    }

    // ---------------------------------------------------------------------------------------------
    // The model
    // ---------------------------------------------------------------------------------------------

    /// @dev What settling `entries` pays: each reader, the first time it appears, gives
    /// `budget * tipBps / 10000` to the keeper and splits the rest over its (creator, count) entries in
    /// order, entry i getting floor(rest * C_i / C) - floor(rest * C_(i-1) / C), C_i the running count.
    function _model(
        BatchEncoder.ReaderTallies[] memory entries,
        Reader[] memory readers,
        address[] memory creators
    ) private view returns (uint256[] memory credits, uint256 tip) {
        credits = new uint256[](CREATORS);
        bool[] memory done = new bool[](readers.length);
        for (uint256 k = 0; k < entries.length; ++k) {
            uint256 r = _readerIndex(readers, entries[k].reader);
            if (done[r]) continue;
            done[r] = true;
            uint256 budget = readers[r].budget;
            uint256 readerTip = (budget * pool.keeperTipBps()) / 10_000;
            tip += readerTip;
            uint256 rest = budget - readerTip;
            BatchEncoder.SignedTally[] memory tallies = entries[k].tallies;
            uint256 clicks = 0;
            for (uint256 t = 0; t < tallies.length; ++t) {
                for (uint256 j = 0; j < tallies[t].counts.length; ++j) clicks += tallies[t].counts[j];
            }
            uint256 running = 0;
            for (uint256 t = 0; t < tallies.length; ++t) {
                for (uint256 j = 0; j < tallies[t].counts.length; ++j) {
                    uint256 before = (rest * running) / clicks;
                    running += tallies[t].counts[j];
                    credits[_creatorIndex(creators, tallies[t].creators[j])] += (rest * running) / clicks - before;
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Building a run
    // ---------------------------------------------------------------------------------------------

    /// @dev `n` readers funded for epoch 0: about half EOAs, half ERC-1271 wallets owned by a key; budgets
    /// anywhere in [1, 2**128 - 1], a third of them small.
    function _fundReaders(uint256 seed, uint256 n) private returns (Reader[] memory readers) {
        readers = new Reader[](n);
        for (uint256 r = 0; r < n; ++r) {
            uint256 word = uint256(keccak256(abi.encode(seed, "reader", r)));
            uint256 key = 0xA11CE + r;
            address account = word % 2 == 0 ? vm.addr(key) : address(new MockERC1271Wallet(vm.addr(key)));
            uint256 budget = (word >> 8) % 3 == 0 ? bound(word >> 16, 1, 1e9) : bound(word >> 16, 1, type(uint128).max);
            token.mint(account, budget);
            vm.startPrank(account);
            token.approve(address(pool), budget);
            pool.subscribe(budget, 1, 0);
            vm.stopPrank();
            readers[r] = Reader(account, key, budget);
        }
    }

    /// @dev A dozen distinct creators from `seed`, in no particular order (never a reader's key address:
    /// those come from small keys).
    function _creators(uint256 seed) private pure returns (address[] memory creators) {
        creators = new address[](CREATORS);
        for (uint256 c = 0; c < CREATORS; ++c) {
            creators[c] = address(uint160(uint256(keccak256(abi.encode(seed, "creator", c)))));
        }
    }

    /// @dev 1 to 8 tallies of `reader` by distinct keys (its own and session keys), ordered by key, each
    /// over a random non-empty set of creators, ascending, with counts in [1, 2**32 - 1].
    function _readerTallies(
        Reader memory reader,
        address[] memory creators,
        uint256 seed
    ) private view returns (BatchEncoder.ReaderTallies memory entry) {
        entry.reader = reader.account;
        uint256 count = bound(seed, 1, MAX_TALLIES);
        // Key 0 is the reader's own, key k > 0 its k-th session key.
        uint256[] memory keys = _permutation(uint256(keccak256(abi.encode(seed, "keys"))), MAX_TALLIES);
        address[] memory signers = new address[](count);
        for (uint256 t = 0; t < count; ++t)
            signers[t] = keys[t] == 0 ? reader.account : vm.addr(reader.key * 16 + keys[t]);
        for (uint256 t = 1; t < count; ++t) {
            for (uint256 u = t; u > 0 && signers[u - 1] > signers[u]; --u) {
                (signers[u - 1], signers[u]) = (signers[u], signers[u - 1]);
                (keys[u - 1], keys[u]) = (keys[u], keys[u - 1]);
            }
        }
        entry.tallies = new BatchEncoder.SignedTally[](count);
        for (uint256 t = 0; t < count; ++t) {
            entry.tallies[t] = _tally(reader, keys[t], creators, uint256(keccak256(abi.encode(seed, "tally", t))));
        }
    }

    function _tally(
        Reader memory reader,
        uint256 key,
        address[] memory creators,
        uint256 seed
    ) private view returns (BatchEncoder.SignedTally memory tally) {
        uint256 subset = bound(seed % (1 << CREATORS), 1, (1 << CREATORS) - 1);
        uint256 n = 0;
        for (uint256 c = 0; c < CREATORS; ++c) if ((subset >> c) & 1 == 1) ++n;
        tally.creators = new address[](n);
        tally.counts = new uint32[](n);
        uint256 k = 0;
        for (uint256 c = 0; c < CREATORS; ++c) {
            if ((subset >> c) & 1 == 0) continue;
            uint256 word = uint256(keccak256(abi.encode(seed, "count", c)));
            tally.creators[k] = creators[c];
            tally.counts[k] = uint32(word % 4 == 0 ? 1 + ((word >> 8) % 3) : 1 + ((word >> 8) % type(uint32).max));
            ++k;
        }
        _sortByCreator(tally.creators, tally.counts);
        tally.seq = uint64(seed >> 192);
        bytes32 digest = pool.tallyDigest(reader.account, 0, tally.seq, tally.creators, tally.counts);
        if (key == 0) {
            tally.signer = reader.account;
            tally.signature = signDigest(reader.key, digest);
            return tally;
        }
        uint256 sessionKey = reader.key * 16 + key;
        tally.signer = vm.addr(sessionKey);
        tally.signature = signDigest(sessionKey, digest);
        tally.sessionExpiry = uint64(block.timestamp + EPOCH_LENGTH + (seed % EPOCH_LENGTH));
        tally.sessionSignature = signDigest(
            reader.key,
            pool.sessionDigest(reader.account, tally.signer, tally.sessionExpiry, pool.sessionNonceOf(reader.account))
        );
    }

    // ---------------------------------------------------------------------------------------------
    // Helpers
    // ---------------------------------------------------------------------------------------------

    /// @dev 0 .. n-1 shuffled from `seed`.
    function _permutation(uint256 seed, uint256 n) private pure returns (uint256[] memory order) {
        order = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) order[i] = i;
        for (uint256 i = n; i > 1; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, i))) % i;
            (order[i - 1], order[j]) = (order[j], order[i - 1]);
        }
    }

    /// @dev Insertion sort of `creators` ascending, carrying `counts` along.
    function _sortByCreator(address[] memory creators, uint32[] memory counts) private pure {
        for (uint256 i = 1; i < creators.length; ++i) {
            for (uint256 j = i; j > 0 && creators[j - 1] > creators[j]; --j) {
                (creators[j - 1], creators[j]) = (creators[j], creators[j - 1]);
                (counts[j - 1], counts[j]) = (counts[j], counts[j - 1]);
            }
        }
    }

    function _readerIndex(Reader[] memory readers, address account) private pure returns (uint256) {
        for (uint256 r = 0; r < readers.length; ++r) if (readers[r].account == account) return r;
        revert("model: unknown reader");
    }

    function _creatorIndex(address[] memory creators, address creator) private pure returns (uint256) {
        for (uint256 c = 0; c < CREATORS; ++c) if (creators[c] == creator) return c;
        revert("model: unknown creator");
    }
}
