// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {OwnedTestWallet} from "./OwnedTestWallet.sol";

/// @title Hostile ERC-1271 wallet with two faces
/// @notice Light while a keeper simulates its batch, heavy once the batch is mined: its owner flips
/// `heavy` on right before the keeper's transaction (a front-run) and off again after, so every
/// `eth_estimateGas` sees the light face. Light, it answers cheaply, and can refuse valid signatures
/// (`refusesWhenLight`), so that a simulation skips the reader and never sees it settled. Heavy, it
/// burns all but `ANSWER_RESERVE_GAS` of the gas it is given, then accepts its owner's signatures.
/// (Block number parity or `tx.gasprice == 0` give an attacker the same two faces without a front-run.)
/// Tests only.
contract SimulationDodgingWallet is IERC1271, OwnedTestWallet {
    /// @notice Gas the heavy face keeps to answer with after burning the rest.
    uint256 public constant ANSWER_RESERVE_GAS = 2_000;

    bool public heavy;
    bool public refusesWhenLight;

    constructor(address owner_) OwnedTestWallet(owner_) {}

    /// @notice Sets the face the next checks see.
    function setFaces(bool heavy_, bool refusesWhenLight_) external onlyOwner {
        (heavy, refusesWhenLight) = (heavy_, refusesWhenLight_);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
        bool valid = error == ECDSA.RecoverError.NoError && signer == OWNER;
        if (heavy) {
            uint256 sink;
            while (gasleft() > ANSWER_RESERVE_GAS) {
                sink = uint256(keccak256(abi.encode(sink)));
            }
        } else if (refusesWhenLight) {
            valid = false;
        }
        return valid ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}
