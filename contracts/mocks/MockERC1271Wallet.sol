// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {OwnedTestWallet} from "./OwnedTestWallet.sol";

/// @title Mock smart-contract wallet (ERC-1271)
/// @notice Accepts signatures by its owner key while `accepting` is on; the owner can make it call
/// anything (approve and subscribe, revoke a session...). For tests and local use only.
contract MockERC1271Wallet is IERC1271, OwnedTestWallet {
    bool public accepting = true;

    constructor(address owner_) OwnedTestWallet(owner_) {}

    /// @notice Turns acceptance of valid signatures on or off (a wallet that changes its answer).
    function setAccepting(bool accepting_) external onlyOwner {
        accepting = accepting_;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        if (accepting && error == ECDSA.RecoverError.NoError && signer == OWNER)
            return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
