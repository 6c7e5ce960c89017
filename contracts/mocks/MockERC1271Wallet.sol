// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Mock smart-contract wallet (ERC-1271)
/// @notice Accepts signatures by its owner key while `accepting` is on; the owner can make it call
/// anything (approve and subscribe, revoke a session...). For tests and local use only.
contract MockERC1271Wallet is IERC1271 {
    error NotOwner(address caller);

    address public immutable OWNER;
    bool public accepting = true;

    constructor(address owner_) {
        OWNER = owner_;
    }

    /// @notice Turns acceptance of valid signatures on or off (a wallet that changes its answer).
    function setAccepting(bool accepting_) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        accepting = accepting_;
    }

    /// @notice Calls `target` with `data` as this wallet.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
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
    function approve(IERC20 token, address spender, uint256 amount) external {
        if (msg.sender != OWNER) revert NotOwner(msg.sender);
        token.approve(spender, amount);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (accepting && error == ECDSA.RecoverError.NoError && signer == OWNER)
            return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
