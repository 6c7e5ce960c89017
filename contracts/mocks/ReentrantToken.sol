// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Reentrant token
/// @notice A plain 6-decimal ERC-20 that, once armed, calls back into a target (the pool) with each of a
/// list of payloads on the next transfer that touches the target, and records how every call ended.
/// The transfer itself always goes through, so a test sees what the reentry achieved. Tests only.
contract ReentrantToken is ERC20 {
    /// @notice How one reentry attempt ended.
    struct Attempt {
        bool success;
        bytes returnData;
    }

    address public victim;
    bytes[] private _payloads;
    Attempt[] private _attempts;
    bool private _attacking;

    constructor() ERC20("Reentrant USD", "rUSD") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    /// @notice Arms the token: the next transfer to or from `target_` calls `target_` with each payload.
    function arm(address target_, bytes[] calldata payloads) external {
        victim = target_;
        delete _attempts;
        delete _payloads;
        for (uint256 i = 0; i < payloads.length; ++i) {
            _payloads.push(payloads[i]);
        }
    }

    /// @notice The attempts of the last attack, in payload order.
    function attempts() external view returns (Attempt[] memory) {
        return _attempts;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address armedVictim = victim;
        if (armedVictim == address(0) || _attacking || (from != armedVictim && to != armedVictim)) return;
        _attacking = true;
        victim = address(0);
        for (uint256 i = 0; i < _payloads.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool success, bytes memory returnData) = armedVictim.call(_payloads[i]);
            _attempts.push(Attempt(success, returnData));
        }
        _attacking = false;
    }
}
