// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";

/// @title Hostile ERC-1271 wallet
/// @notice Burns every gas it is given while checking a signature, then would accept it. The pool must
/// bound the gas it hands to it. Tests only.
contract GasGuzzlerWallet is IERC1271 {
    /// @inheritdoc IERC1271
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 sink;
        while (gasleft() > 0) {
            sink = uint256(keccak256(abi.encode(sink)));
        }
        return IERC1271.isValidSignature.selector;
    }
}
