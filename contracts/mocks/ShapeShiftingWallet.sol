// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {OwnedTestWallet} from "./OwnedTestWallet.sol";

/// @title Hostile ERC-1271 wallet
/// @notice A contract reader whose `isValidSignature` answer its owner can change at any time, or that
/// answers garbage: short returndata, a dirty word, a revert, huge returndata, a state write. The
/// pool must skip it without reverting the batch or spending unbounded gas. Tests only.
/// It does not inherit IERC1271 because its `isValidSignature` is not `view` (the state-writing mode).
contract ShapeShiftingWallet is OwnedTestWallet {
    error Refused(bytes32 hash);

    enum Mode {
        // Accepts its owner's signatures.
        Honest,
        // Accepts its owner's signatures before `flipBlock`, refuses from then on.
        HonestUntilBlock,
        // Returns only the 4 bytes of the magic value instead of an ABI word.
        ShortReturn,
        // Returns the magic value with dirty low-order bytes in its word.
        DirtyWord,
        // Reverts.
        Revert,
        // Reverts with `hugeSize` bytes of revert data.
        RevertHuge,
        // Returns `hugeSize` bytes whose first word is not the magic value (a return bomb).
        HugeReturn,
        // Tries to write its storage while being asked (the pool uses staticcall).
        WriteState
    }

    Mode public mode;
    uint256 public flipBlock;
    uint256 public hugeSize;
    uint256 public writes;

    constructor(address owner_) OwnedTestWallet(owner_) {}

    function setMode(Mode mode_, uint256 flipBlock_, uint256 hugeSize_) external onlyOwner {
        (mode, flipBlock, hugeSize) = (mode_, flipBlock_, hugeSize_);
    }

    /// @notice ERC-1271 `isValidSignature`, answered as the mode says.
    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        bytes4 magic = IERC1271.isValidSignature.selector;
        Mode current = mode;
        if (current == Mode.Honest || current == Mode.HonestUntilBlock) {
            (address signer, ECDSA.RecoverError error, ) = ECDSA.tryRecoverCalldata(hash, signature);
            bool valid = error == ECDSA.RecoverError.NoError && signer == OWNER;
            if (current == Mode.HonestUntilBlock && block.number >= flipBlock) valid = false;
            return valid ? magic : bytes4(0xffffffff);
        }
        if (current == Mode.ShortReturn) {
            assembly ("memory-safe") {
                mstore(0, magic)
                return(0, 4)
            }
        }
        if (current == Mode.DirtyWord) {
            assembly ("memory-safe") {
                mstore(0, or(magic, 0xdead))
                return(0, 32)
            }
        }
        if (current == Mode.Revert) revert Refused(hash);
        uint256 size = hugeSize;
        if (current == Mode.RevertHuge) {
            assembly ("memory-safe") {
                mstore(0, magic)
                revert(0, size)
            }
        }
        if (current == Mode.HugeReturn) {
            assembly ("memory-safe") {
                mstore(0, not(magic))
                return(0, size)
            }
        }
        // Mode.WriteState: a state change inside a staticcall fails the call.
        ++writes;
        return magic;
    }
}
