// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ClickTypes} from "../../contracts/libraries/ClickTypes.sol";
import {TestBase} from "./utils/TestBase.sol";

/// @title ClickTypes: struct hashes are keccak256(abi.encode(...)) and hashWords is the EIP-712 array hash
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

    function testFuzz_HashWordsEqualsKeccakOfEncodePacked(uint256 seed, uint256 length) public pure {
        uint256 n = bound(length, 0, 300);
        uint256[] memory words = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) words[i] = uint256(keccak256(abi.encode(seed, i)));
        assertEq(ClickTypes.hashWords(words), keccak256(abi.encodePacked(words)), "uint256[] hash");
    }

    /// @dev The pool signs `keccak256(abi.encodePacked(address[]))` and `..(uint32[])` in tallyDigest but
    /// verifies with hashWords over the unpacked words: both must agree for every array.
    function testFuzz_HashWordsMatchesPackedAddressAndUint32Arrays(uint256 seed, uint256 length) public pure {
        uint256 n = bound(length, 0, 256);
        address[] memory creators = new address[](n);
        uint32[] memory counts = new uint32[](n);
        uint256[] memory creatorWords = new uint256[](n);
        uint256[] memory countWords = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 word = uint256(keccak256(abi.encode(seed, i)));
            creators[i] = address(uint160(word));
            counts[i] = uint32(word >> 160);
            creatorWords[i] = uint160(creators[i]);
            countWords[i] = counts[i];
        }
        assertEq(ClickTypes.hashWords(creatorWords), keccak256(abi.encodePacked(creators)), "address[] hash");
        assertEq(ClickTypes.hashWords(countWords), keccak256(abi.encodePacked(counts)), "uint32[] hash");
    }

    function testFuzz_HashWordsDoesNotTouchMemoryAroundTheArray(uint256 a, uint256 b) public pure {
        uint256[] memory words = new uint256[](2);
        (words[0], words[1]) = (a, b);
        bytes32 before = keccak256(abi.encode(words));
        ClickTypes.hashWords(words);
        assertEq(keccak256(abi.encode(words)), before, "array changed");
        assertEq(ClickTypes.hashWords(words), keccak256(abi.encode(a, b)), "two-word hash");
    }
}
