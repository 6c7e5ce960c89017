// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {PoolHandler} from "./PoolHandler.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool invariants under random subscribe / cancel / settle / withdraw / tip / claim sequences
/// @notice The fuzzer calls only {PoolHandler}, which bounds inputs, keeps a reference model and reverts
/// on any disagreement with the pool (`failOnRevert`). After every call the invariants below compare the
/// pool's books, the token balances and the model. Runs, depth and `failOnRevert` come from the Solidity
/// test profiles in hardhat.config.ts (`npm test`: the default profile; `npm run test:deep`: "deep").
///
/// The five properties are checked together by one invariant: each invariant function is a campaign of
/// its own, so five would pay for five times the handler calls (a `settle` of up to five readers with up
/// to eight signed tallies each) to check the same sequences. Each property keeps its own function and
/// failure messages.
contract PlauditPoolInvariantTest is TestBase {
    /// @dev The shape EDR (like Foundry) reads from `targetSelectors()`.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    address private constant KEEPER = address(0xBEEF);

    MockStablecoin private token;
    PlauditPool private pool;
    PoolHandler private handler;

    function setUp() public {
        token = new MockStablecoin();
        pool = new PlauditPool(token, uint64(block.timestamp), 30 days, 50);
        handler = new PoolHandler(pool, token);
        assertEq(handler.KEEPER(), KEEPER, "the handler settles as KEEPER");
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](10);
        selectors[0] = PoolHandler.subscribe.selector;
        selectors[1] = PoolHandler.cancel.selector;
        selectors[2] = PoolHandler.warp.selector;
        selectors[3] = PoolHandler.settle.selector;
        selectors[4] = PoolHandler.withdraw.selector;
        selectors[5] = PoolHandler.claim.selector;
        selectors[6] = PoolHandler.revokeSessions.selector;
        selectors[7] = PoolHandler.settleGood.selector;
        selectors[8] = PoolHandler.warpFar.selector;
        selectors[9] = PoolHandler.tipCreator.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @notice The paths the campaign relies on are reachable and agree with the model (each handler call
    /// checks the pool against it): ERC-1271 readers and readers of three to eight tallies settle, batches
    /// use shuffled creator tables naming creators twice, and after a jump of more than
    /// `MAX_SWEEP_EPOCHS` epochs a reader's withdrawals sweep a capped window at a time.
    function test_HandlerReachesWalletsEightTalliesRepeatedCreatorsAndCappedSweeps() public {
        uint256 readers = handler.READERS();
        for (uint256 round = 0; round < 40; ++round) {
            for (uint256 i = 0; i < readers; ++i) handler.subscribe(i, 1e6 + round, 6, 0);
            handler.warp(round);
            handler.settleGood(2 ** readers - 1, uint256(keccak256(abi.encode("round", round))));
        }
        assertLt(0, handler.calls("settled:wallet"), "no ERC-1271 reader settled");
        assertLt(0, handler.calls("settled:3+tallies"), "no reader of three or more tallies settled");
        assertLt(0, handler.calls("settled:8tallies"), "no reader of eight tallies settled");
        assertLt(0, handler.calls("settle:shuffledTable"), "no batch with a shuffled table");

        // Reader 0's budgets reach from epoch 0 to beyond the jump: sweeping them takes capped windows.
        handler.warpFar(0);
        uint64 later = pool.currentEpoch();
        handler.subscribe(0, 1e6, 1, 0);
        for (uint256 k = 0; pool.currentEpoch() < later + 2; ++k) handler.warp(k);
        for (uint256 call = 0; call < 4; ++call) handler.withdraw(0);
        assertLt(0, handler.calls("withdraw:capped"), "no withdrawal swept a capped window");
        assertEq(pool.withdrawableOf(handler.readers(0)), 0, "withdrawals left an expired budget behind");
        invariant_BooksBalancesAndModelAgree();
    }

    /// @notice After every handler call, the pool's books, the token balances and the model agree.
    function invariant_BooksBalancesAndModelAgree() public view {
        PoolHandler.Ledger memory books = handler.ledger();
        Budget[][] memory budgets = _poolBudgets(books);
        _poolHoldsExactlyItsLiabilities(books, budgets);
        _everyTokenDepositedIsAccountedFor(books);
        _settledBudgetsSplitExactly(books);
        _noBudgetIsBothSettledAndReturned(books, budgets);
        _nobodyWithdrawsMoreThanTheyWereGiven(books);
    }

    /// @dev One funded budget as the pool sees it.
    struct Budget {
        uint256 amount;
        IPlauditPool.BudgetStatus status;
        bool isSettled;
    }

    /// @dev The pool's view of every budget in the model's ledger, reader by reader.
    function _poolBudgets(PoolHandler.Ledger memory books) private view returns (Budget[][] memory budgets) {
        budgets = new Budget[][](books.readers.length);
        for (uint256 i = 0; i < books.readers.length; ++i) {
            PoolHandler.ReaderLedger memory reader = books.readers[i];
            budgets[i] = new Budget[](reader.budgets.length);
            for (uint256 k = 0; k < reader.budgets.length; ++k) {
                Budget memory budget = budgets[i][k];
                uint64 epoch = reader.budgets[k].epoch;
                (budget.amount, budget.status, ) = pool.budgetOf(reader.account, epoch);
                budget.isSettled = pool.isSettled(reader.account, epoch);
            }
        }
    }

    /// @dev The pool's token balance is exactly its open budgets plus its creators' claimables, each
    /// equal to the model's; neither the pool nor its token is ever credited.
    function _poolHoldsExactlyItsLiabilities(PoolHandler.Ledger memory books, Budget[][] memory budgets) private view {
        uint256 openBudgets = 0;
        uint256 modelOpen = 0;
        for (uint256 i = 0; i < budgets.length; ++i) {
            for (uint256 k = 0; k < budgets[i].length; ++k) {
                if (budgets[i][k].status == IPlauditPool.BudgetStatus.Open) openBudgets += budgets[i][k].amount;
                PoolHandler.ModelBudget memory model = books.readers[i].budgets[k];
                if (model.status == PoolHandler.Status.Open) modelOpen += model.amount;
            }
        }
        uint256 claimables = 0;
        uint256 modelClaimables = 0;
        for (uint256 c = 0; c < books.creators.length; ++c) {
            claimables += pool.claimableOf(books.creators[c].account);
            modelClaimables += books.creators[c].credited - books.creators[c].claimed;
        }
        uint256 balance = token.balanceOf(address(pool));
        assertEq(balance, openBudgets + claimables, "pool balance != open budgets + claimables");
        assertEq(openBudgets, modelOpen, "open budgets vs model");
        assertEq(claimables, modelClaimables, "claimables vs model");
        assertEq(pool.claimableOf(address(pool)) + pool.claimableOf(address(token)), 0, "pool or token credited");
    }

    /// @dev Every token deposited is in the pool, refunded, returned, claimed or tipped; no token appears
    /// outside the participants; the keeper holds exactly the tips.
    function _everyTokenDepositedIsAccountedFor(PoolHandler.Ledger memory books) private view {
        uint256 balance = token.balanceOf(address(pool));
        assertEq(
            books.deposited,
            balance + books.refunded + books.returned + books.claimed + books.tips,
            "deposited != balance + refunded + returned + claimed + tips"
        );
        // The same books, read from balances rather than the model.
        uint256 readersHold = 0;
        for (uint256 i = 0; i < books.readers.length; ++i) readersHold += token.balanceOf(books.readers[i].account);
        uint256 creatorsHold = 0;
        for (uint256 c = 0; c < books.creators.length; ++c) {
            creatorsHold += token.balanceOf(books.creators[c].account) + token.balanceOf(books.creators[c].wallet);
        }
        uint256 keeperHolds = token.balanceOf(KEEPER);
        assertEq(
            token.totalSupply(),
            balance + readersHold + creatorsHold + keeperHolds,
            "tokens appeared outside the pool's participants"
        );
        assertEq(keeperHolds, books.tips, "keeper balance != tips");
    }

    /// @dev Every settled budget was split exactly: the model's shares and tips, and what the pool paid out.
    function _settledBudgetsSplitExactly(PoolHandler.Ledger memory books) private pure {
        for (uint256 i = 0; i < books.readers.length; ++i) {
            assertEq(
                books.readers[i].splitOut,
                books.readers[i].settledBudget,
                "a reader's settled budget split inexactly"
            );
        }
        assertEq(books.observedPayouts, books.observedSettledBudgets, "credits + tips != settled budgets");
    }

    /// @dev No budget was both settled and returned; every funded budget's status and amount match the model.
    function _noBudgetIsBothSettledAndReturned(
        PoolHandler.Ledger memory books,
        Budget[][] memory budgets
    ) private pure {
        for (uint256 i = 0; i < budgets.length; ++i) {
            for (uint256 k = 0; k < budgets[i].length; ++k) {
                Budget memory budget = budgets[i][k];
                PoolHandler.ModelBudget memory model = books.readers[i].budgets[k];
                assertTrue(!(model.seenSettled && model.seenReturned), "budget settled and returned");
                assertEq(uint256(budget.status), uint256(model.status), "budget status vs model");
                assertEq(budget.amount, model.amount, "budget amount vs model");
                assertTrue(budget.isSettled == (budget.status == IPlauditPool.BudgetStatus.Settled), "isSettled");
            }
        }
    }

    /// @dev Readers got back at most what they deposited, creators exactly what they claimed and at most
    /// what they were credited.
    function _nobodyWithdrawsMoreThanTheyWereGiven(PoolHandler.Ledger memory books) private view {
        for (uint256 i = 0; i < books.readers.length; ++i) {
            PoolHandler.ReaderLedger memory reader = books.readers[i];
            uint256 back = reader.refunded + reader.returned;
            assertLe(back, reader.deposited, "reader got back more than it deposited");
            assertEq(token.balanceOf(reader.account), back, "reader balance != refunds + returns");
        }
        for (uint256 c = 0; c < books.creators.length; ++c) {
            PoolHandler.CreatorLedger memory creator = books.creators[c];
            uint256 took = token.balanceOf(creator.account) + token.balanceOf(creator.wallet);
            assertEq(took, creator.claimed, "creator balance != claims");
            assertLe(creator.claimed, creator.credited, "creator claimed more than credited");
        }
    }
}
