// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPlauditPool} from "../../contracts/interfaces/IPlauditPool.sol";
import {PlauditPool} from "../../contracts/PlauditPool.sol";
import {MockStablecoin} from "../../contracts/mocks/MockStablecoin.sol";
import {BatchEncoder} from "./utils/BatchEncoder.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title PlauditPool.withdraw past the 256-epoch sweep window
/// @notice An unsettled budget must come back to its reader however long ago the reader's first budget
/// was. Regression: `withdraw` sweeps at most MAX_SWEEP_EPOCHS from `sweepFrom`; it used to revert
/// NothingToWithdraw when those held nothing open, without advancing `sweepFrom`, which locked a later
/// budget in the pool for good. Now each call moves the cursor on, so a few calls bring it back.
contract PlauditPoolSweepTest is TestBase {
    uint64 private constant EPOCH_LENGTH = 5 minutes; // the local demo deployment's epoch length
    uint256 private constant READER_KEY = 0xA11CE;
    address private constant CREATOR = address(0xC0FFEE);

    function testFuzz_UnsettledBudgetComesBackAfterAGapLongerThanTheSweepWindow(uint256 gap) public {
        uint64 later = uint64(bound(gap, 257, 1_000));
        MockStablecoin token = new MockStablecoin();
        PlauditPool pool = new PlauditPool(token, uint64(block.timestamp), EPOCH_LENGTH, 50);
        address reader = vm.addr(READER_KEY);
        token.mint(reader, 2e6);
        vm.prank(reader);
        token.approve(address(pool), 2e6);

        // Epoch 0: funded and settled (so the reader never has a reason to call withdraw).
        vm.prank(reader);
        pool.subscribe(1e6, 1, 0);
        vm.warp(block.timestamp + EPOCH_LENGTH);
        address[] memory creators = new address[](1);
        creators[0] = CREATOR;
        uint32[] memory counts = new uint32[](1);
        counts[0] = 1;
        BatchEncoder.ReaderTallies[] memory readers = new BatchEncoder.ReaderTallies[](1);
        readers[0].reader = reader;
        readers[0].tallies = new BatchEncoder.SignedTally[](1);
        readers[0].tallies[0].signer = reader;
        readers[0].tallies[0].creators = creators;
        readers[0].tallies[0].counts = counts;
        readers[0].tallies[0].signature = signDigest(READER_KEY, pool.tallyDigest(reader, 0, 0, creators, counts));
        (address[] memory table, bytes memory batch) = BatchEncoder.encode(readers);
        assertEq(pool.settle(0, table, batch), 1, "epoch 0 settled");

        // The reader comes back `later` epochs on, funds one epoch and clicks nothing: nobody settles it.
        vm.warp(uint256(pool.startTime()) + uint256(later) * EPOCH_LENGTH);
        vm.prank(reader);
        pool.subscribe(1e6, 1, later);
        vm.warp(uint256(pool.startTime()) + uint256(later + 2) * EPOCH_LENGTH);

        assertEq(pool.withdrawableOf(reader), 1e6, "withdrawableOf");
        uint256 back = 0;
        uint256 callsNeeded = uint256(later) / 256 + 1;
        for (uint256 i = 0; i < callsNeeded; ++i) {
            vm.prank(reader);
            back += pool.withdraw();
        }
        assertEq(back, 1e6, "expired budget returned");
        assertEq(pool.withdrawableOf(reader), 0, "withdrawableOf after");
        vm.prank(reader);
        vm.expectRevert(abi.encodeWithSelector(IPlauditPool.NothingToWithdraw.selector, reader));
        pool.withdraw();
        assertEq(token.balanceOf(reader), 1e6, "reader balance");
    }
}
