// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ClickTypes} from "../../contracts/libraries/ClickTypes.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title ClickTypes: the struct hashes are keccak256(abi.encode(...)) of the EIP-712 fields
contract ClickTypesTest is TestBase {
    function testFuzz_HashTallyEqualsKeccakOfAbiEncode(
        address reader,
        uint64 epoch,
        uint64 seq,
        bytes32 creatorsHash,
        bytes32 countsHash
    ) public pure {
        assertEq(
            ClickTypes.hashTally(reader, epoch, seq, creatorsHash, countsHash),
            keccak256(abi.encode(ClickTypes.TALLY_TYPEHASH, reader, epoch, seq, creatorsHash, countsHash)),
            "tally struct hash"
        );
    }

    function testFuzz_HashSessionEqualsKeccakOfAbiEncode(
        address reader,
        address key,
        uint64 expiry,
        uint32 nonce
    ) public pure {
        assertEq(
            ClickTypes.hashSession(reader, key, expiry, nonce),
            keccak256(abi.encode(ClickTypes.SESSION_TYPEHASH, reader, key, expiry, nonce)),
            "session struct hash"
        );
    }
}
