// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title USDT-like mock (Tether's TetherToken on Ethereum seen from outside)
/// @notice 6 decimals; `transfer`, `transferFrom` and `approve` return nothing (callers expecting ERC-20's
/// `bool` fail to decode); a non-zero allowance must be set to zero before it is changed; no permit, no
/// EIP-3009, no EIP-712 domain; a blacklist that stops a blacklisted account from sending (as on mainnet,
/// where transfers *to* a blacklisted account go through). Anyone may mint. Behaviour only, not Tether's
/// code; never deploy it where value is.
contract MockUSDT {
    /// @notice The sender's balance is below the amount.
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    /// @notice The spender's allowance is below the amount.
    error InsufficientAllowance(address owner, address spender, uint256 allowance, uint256 needed);
    /// @notice A non-zero allowance may only be set from zero: approve 0 first.
    error AllowanceNotZero(address owner, address spender, uint256 allowance);
    /// @notice `account` is blacklisted and cannot send.
    error AccountBlacklisted(address account);
    /// @notice Only the deployer (the issuer) may blacklist.
    error NotBlacklister(address caller);

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event AddedBlackList(address account);
    event RemovedBlackList(address account);

    /// @dev An allowance of this size is never decreased by `transferFrom`.
    uint256 private constant INFINITE_ALLOWANCE = type(uint256).max;

    address public immutable BLACKLISTER;
    uint256 public totalSupply;
    mapping(address account => uint256) public balanceOf;
    mapping(address owner => mapping(address spender => uint256)) public allowance;
    mapping(address account => bool) public isBlackListed;

    constructor() {
        BLACKLISTER = msg.sender;
    }

    function name() external pure returns (string memory) {
        return "Tether USD";
    }

    function symbol() external pure returns (string memory) {
        return "USDT";
    }

    function decimals() external pure returns (uint8) {
        return 6;
    }

    /// @notice Mints `amount` to `to`; open to all, as a faucet.
    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function addBlackList(address account) external {
        if (msg.sender != BLACKLISTER) revert NotBlacklister(msg.sender);
        isBlackListed[account] = true;
        emit AddedBlackList(account);
    }

    function removeBlackList(address account) external {
        if (msg.sender != BLACKLISTER) revert NotBlacklister(msg.sender);
        isBlackListed[account] = false;
        emit RemovedBlackList(account);
    }

    /// @notice Returns nothing, as on Tether.
    function transfer(address to, uint256 value) external {
        if (isBlackListed[msg.sender]) revert AccountBlacklisted(msg.sender);
        _move(msg.sender, to, value);
    }

    /// @notice Returns nothing, as on Tether.
    function transferFrom(address from, address to, uint256 value) external {
        if (isBlackListed[from]) revert AccountBlacklisted(from);
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
        if (allowed != INFINITE_ALLOWANCE) allowance[from][msg.sender] = allowed - value;
        _move(from, to, value);
    }

    /// @notice Returns nothing; refuses to change a non-zero allowance to another non-zero one, as on Tether.
    function approve(address spender, uint256 value) external {
        uint256 current = allowance[msg.sender][spender];
        if (value != 0 && current != 0) revert AllowanceNotZero(msg.sender, spender, current);
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
    }

    function _move(address from, address to, uint256 value) private {
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        balanceOf[from] = balance - value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
