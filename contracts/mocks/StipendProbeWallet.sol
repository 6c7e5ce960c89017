// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ERC-1271 wallet that accepts only when it is given its whole stipend
/// @notice Its runtime code reads the gas it was given as its very first instruction and answers the
/// ERC-1271 magic value, whatever the hash and signature, only if that gas is the full `stipend`;
/// otherwise it answers nothing (no valid answer). It stands for a legitimate wallet that needs all of
/// its stipend to check a large signature: the pool must never skip it for want of gas. Raw bytecode,
/// so that nothing (no Solidity dispatcher) runs before the measurement. Tests only: its code is copied
/// with `setCode` onto a funded wallet reader.
contract StipendProbeWallet {
    /// @param stipend The gas the wallet must be given (the pool's `ERC1271_GAS_STIPEND`).
    constructor(uint24 stipend) {
        bytes memory runtime = abi.encodePacked(
            hex"5a", // 00 GAS: the gas left after GAS itself (2), so `stipend - 2` when all of it came
            hex"62", // 01 PUSH3 ...
            bytes3(stipend - 2), // 02 ... the least gas GAS may report
            hex"11", // 05 GT: was it given less?
            hex"6017", // 06 PUSH1 0x17 (refuse)
            hex"57", // 08 JUMPI
            hex"631626ba7e", // 09 PUSH4 the ERC-1271 magic value, isValidSignature's selector
            hex"60e0", // 0e PUSH1 224
            hex"1b", // 10 SHL: left-aligned in its word, as a bytes4 return value is
            hex"5f52", // 11 PUSH0 MSTORE at 0
            hex"60205ff3", // 13 PUSH1 32 PUSH0 RETURN: the one word
            hex"5b5f5ff3" // 17 refuse: JUMPDEST PUSH0 PUSH0 RETURN, an empty answer
        );
        assembly ("memory-safe") {
            return(add(runtime, 0x20), mload(runtime))
        }
    }
}
