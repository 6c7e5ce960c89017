// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Vm, VM} from "./Vm.sol";

/// @title Assertions and input shaping for the Solidity tests
/// @notice Every failed assertion reverts with a message naming the values, which fails the test.
abstract contract TestBase {
    Vm internal constant vm = VM;

    function assertEq(uint256 actual, uint256 expected, string memory what) internal pure {
        if (actual != expected) {
            revert(string.concat(what, ": got ", _str(actual), ", expected ", _str(expected)));
        }
    }

    function assertEq(address actual, address expected, string memory what) internal pure {
        if (actual != expected) revert(string.concat(what, ": addresses differ"));
    }

    function assertEq(bytes32 actual, bytes32 expected, string memory what) internal pure {
        if (actual != expected) revert(string.concat(what, ": hashes differ"));
    }

    function assertLe(uint256 actual, uint256 bound_, string memory what) internal pure {
        if (actual > bound_) revert(string.concat(what, ": ", _str(actual), " > ", _str(bound_)));
    }

    function assertLt(uint256 actual, uint256 bound_, string memory what) internal pure {
        if (actual >= bound_) revert(string.concat(what, ": ", _str(actual), " >= ", _str(bound_)));
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert(what);
    }

    /// @dev Maps `x` into `[min, max]` keeping small inputs as they are (forge-std's `bound`).
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x; // the whole uint256 range
        return min + (x % size);
    }

    /// @dev A 65-byte `r || s || v` signature of `digest` by `privateKey`.
    function signDigest(uint256 privateKey, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
        return abi.encodePacked(r, s, v);
    }

    function _str(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        bytes memory buffer = new bytes(digits);
        for (; value != 0; value /= 10) buffer[--digits] = bytes1(uint8(48 + (value % 10)));
        return string(buffer);
    }
}
