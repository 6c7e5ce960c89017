// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title A contract account its owner key operates, for the ERC-1271 test wallets
/// @notice The owner can make it call anything (approve and subscribe, revoke a session, withdraw...).
/// For tests and local use only.
abstract contract OwnedTestWallet {
    error NotOwner(address caller);

    address public immutable OWNER;

    constructor(address owner_) {
        OWNER = owner_;
    }

    modifier onlyOwner() {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Calls `target` with `data` as this wallet, bubbling up a revert.
    function execute(address target, bytes calldata data) external onlyOwner returns (bytes memory) {
        // solhint-disable-next-line avoid-low-level-calls
        (bool success, bytes memory result) = target.call(data);
        if (!success) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
        return result;
    }

    /// @notice Approves `spender` for `amount` of `token` (convenience for tests).
    function approve(IERC20 token, address spender, uint256 amount) external onlyOwner {
        token.approve(spender, amount);
    }
}
