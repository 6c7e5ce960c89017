// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title The few cheatcodes these tests use
/// @notice forge-std is not available here; Hardhat's EDR runner serves the Foundry cheatcodes at
/// `address(uint160(uint256(keccak256("hevm cheat code"))))`.
interface Vm {
    function warp(uint256 newTimestamp) external;
    function prank(address msgSender) external;
    function startPrank(address msgSender) external;
    function stopPrank() external;
    function addr(uint256 privateKey) external pure returns (address);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function expectRevert(bytes calldata revertData) external;
    function assume(bool condition) external pure;
}

/// @dev The cheatcode address, shared by every test helper.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
