// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {PoolHandler} from "./PoolHandler.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool invariants under random subscribe / cancel / settle / withdraw / claim sequences
/// @notice The fuzzer calls only {PoolHandler}, which bounds inputs, keeps a reference model and reverts
/// on any disagreement with the pool (`failOnRevert`). After every call the invariants below compare the
/// pool's books, the token balances and the model.
contract PlauditPoolInvariantTest is TestBase {
    /// @dev The shape EDR (like Foundry) reads from `targetSelectors()`.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    MockStablecoin private token;
    PlauditPool private pool;
    PoolHandler private handler;

    function setUp() public {
        token = new MockStablecoin();
        pool = new PlauditPool(token, uint64(block.timestamp), 30 days, 50);
        handler = new PoolHandler(pool, token);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = PoolHandler.subscribe.selector;
        selectors[1] = PoolHandler.cancel.selector;
        selectors[2] = PoolHandler.warp.selector;
        selectors[3] = PoolHandler.settle.selector;
        selectors[4] = PoolHandler.withdraw.selector;
        selectors[5] = PoolHandler.claim.selector;
        selectors[6] = PoolHandler.revokeSessions.selector;
        selectors[7] = PoolHandler.settleGood.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /**
     * hardhat-config: invariant.runs = 48
     * hardhat-config: invariant.depth = 50
     * hardhat-config: invariant.failOnRevert = true
     */
    function invariant_PoolHoldsExactlyItsLiabilities() public view {
        uint256 ceiling = handler.epochCeiling();
        uint256 openBudgets = 0;
        uint256 modelOpen = 0;
        for (uint256 i = 0; i < handler.READERS(); ++i) {
            address reader = handler.readers(i);
            for (uint64 e = 0; e < ceiling; ++e) {
                (uint256 amount, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(reader, e);
                if (status == IPlauditPool.BudgetStatus.Open) openBudgets += amount;
                if (handler.modelStatus(reader, e) == PoolHandler.Status.Open)
                    modelOpen += handler.modelBudget(reader, e);
            }
        }
        uint256 claimables = 0;
        uint256 modelClaimables = 0;
        for (uint256 c = 0; c < handler.CREATORS(); ++c) {
            address creator = handler.creators(c);
            claimables += pool.claimableOf(creator);
            modelClaimables += handler.creditedTo(creator) - handler.claimedBy(creator);
        }
        uint256 balance = token.balanceOf(address(pool));
        assertEq(balance, openBudgets + claimables, "pool balance != open budgets + claimables");
        assertEq(openBudgets, modelOpen, "open budgets vs model");
        assertEq(claimables, modelClaimables, "claimables vs model");
    }

    /**
     * hardhat-config: invariant.runs = 48
     * hardhat-config: invariant.depth = 50
     * hardhat-config: invariant.failOnRevert = true
     */
    function invariant_EveryTokenDepositedIsAccountedFor() public view {
        uint256 balance = token.balanceOf(address(pool));
        assertEq(
            handler.deposited(),
            balance + handler.refunded() + handler.returned() + handler.claimed() + handler.tips(),
            "deposited != balance + refunded + returned + claimed + tips"
        );
        // The same books, read from balances rather than the model.
        uint256 readersHold = 0;
        for (uint256 i = 0; i < handler.READERS(); ++i) readersHold += token.balanceOf(handler.readers(i));
        uint256 creatorsHold = 0;
        for (uint256 c = 0; c < handler.CREATORS(); ++c) {
            creatorsHold += token.balanceOf(handler.creators(c)) + token.balanceOf(handler.wallets(c));
        }
        assertEq(
            token.totalSupply(),
            balance + readersHold + creatorsHold + token.balanceOf(handler.KEEPER()),
            "tokens appeared outside the pool's participants"
        );
        assertEq(token.balanceOf(handler.KEEPER()), handler.tips(), "keeper balance != tips");
    }

    /**
     * hardhat-config: invariant.runs = 48
     * hardhat-config: invariant.depth = 50
     * hardhat-config: invariant.failOnRevert = true
     */
    function invariant_SettledBudgetsSplitExactly() public view {
        for (uint256 i = 0; i < handler.READERS(); ++i) {
            address reader = handler.readers(i);
            assertEq(
                handler.splitOutOf(reader),
                handler.settledBudgetOf(reader),
                "a reader's settled budget split inexactly"
            );
        }
        assertEq(handler.observedPayouts(), handler.observedSettledBudgets(), "credits + tips != settled budgets");
    }

    /**
     * hardhat-config: invariant.runs = 48
     * hardhat-config: invariant.depth = 50
     * hardhat-config: invariant.failOnRevert = true
     */
    function invariant_NoBudgetIsBothSettledAndReturned() public view {
        uint256 ceiling = handler.epochCeiling();
        for (uint256 i = 0; i < handler.READERS(); ++i) {
            address reader = handler.readers(i);
            for (uint64 e = 0; e < ceiling; ++e) {
                assertTrue(
                    !(handler.seenSettled(reader, e) && handler.seenReturned(reader, e)),
                    "budget settled and returned"
                );
                (uint256 amount, IPlauditPool.BudgetStatus status, ) = pool.budgetOf(reader, e);
                assertEq(uint256(status), uint256(handler.modelStatus(reader, e)), "budget status vs model");
                assertEq(amount, handler.modelBudget(reader, e), "budget amount vs model");
                assertTrue(pool.isSettled(reader, e) == (status == IPlauditPool.BudgetStatus.Settled), "isSettled");
            }
        }
    }

    /**
     * hardhat-config: invariant.runs = 48
     * hardhat-config: invariant.depth = 50
     * hardhat-config: invariant.failOnRevert = true
     */
    function invariant_NobodyWithdrawsMoreThanTheyWereGiven() public view {
        for (uint256 i = 0; i < handler.READERS(); ++i) {
            address reader = handler.readers(i);
            uint256 back = handler.refundedTo(reader) + handler.returnedTo(reader);
            assertLe(back, handler.depositedBy(reader), "reader got back more than it deposited");
            assertEq(token.balanceOf(reader), back, "reader balance != refunds + returns");
        }
        for (uint256 c = 0; c < handler.CREATORS(); ++c) {
            address creator = handler.creators(c);
            uint256 took = token.balanceOf(creator) + token.balanceOf(handler.wallets(c));
            assertEq(took, handler.claimedBy(creator), "creator balance != claims");
            assertLe(handler.claimedBy(creator), handler.creditedTo(creator), "creator claimed more than credited");
        }
    }
}
