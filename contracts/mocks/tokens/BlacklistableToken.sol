// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title An open-mint ERC-20 whose issuer can blacklist accounts, as Circle's USDC does
/// @notice A blacklisted account can neither send, receive, approve nor be approved, nor move tokens as a
/// spender. Behaviour only: not the issuer's code. For tests and local chains; never deploy where value is.
abstract contract BlacklistableToken is ERC20 {
    /// @notice The caller may not blacklist: only the deployer (the issuer) may.
    error NotBlacklister(address caller);
    /// @notice `account` is blacklisted and takes part in no transfer or approval.
    error AccountBlacklisted(address account);

    event Blacklisted(address indexed account);
    event UnBlacklisted(address indexed account);

    address public immutable BLACKLISTER;
    uint8 private immutable DECIMALS;
    mapping(address account => bool) private _blacklisted;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        BLACKLISTER = msg.sender;
        DECIMALS = decimals_;
    }

    modifier notBlacklisted(address account) {
        _requireNotBlacklisted(account);
        _;
    }

    /// @notice Mints `amount` to `to`; open to all, as a faucet.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Blacklists `account` (issuer only).
    function blacklist(address account) external {
        if (msg.sender != BLACKLISTER) revert NotBlacklister(msg.sender);
        _blacklisted[account] = true;
        emit Blacklisted(account);
    }

    /// @notice Lifts `account`'s blacklisting (issuer only).
    function unBlacklist(address account) external {
        if (msg.sender != BLACKLISTER) revert NotBlacklister(msg.sender);
        _blacklisted[account] = false;
        emit UnBlacklisted(account);
    }

    function isBlacklisted(address account) external view returns (bool) {
        return _blacklisted[account];
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }

    /// @inheritdoc ERC20
    function approve(
        address spender,
        uint256 value
    ) public override notBlacklisted(msg.sender) notBlacklisted(spender) returns (bool) {
        return super.approve(spender, value);
    }

    /// @inheritdoc ERC20
    function transferFrom(
        address from,
        address to,
        uint256 value
    ) public override notBlacklisted(msg.sender) returns (bool) {
        return super.transferFrom(from, to, value);
    }

    /// @dev Every balance change checks both ends (minting and burning have the zero address at one end).
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) _requireNotBlacklisted(from);
        if (to != address(0)) _requireNotBlacklisted(to);
        super._update(from, to, value);
    }

    function _requireNotBlacklisted(address account) internal view {
        if (_blacklisted[account]) revert AccountBlacklisted(account);
    }
}
