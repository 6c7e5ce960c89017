// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title DAI-like mock (MakerDAO's Dai on Ethereum seen from outside)
/// @notice 18 decimals; DAI's own permit `permit(holder, spender, nonce, expiry, allowed, v, r, s)` (all or
/// nothing, ECDSA only, `expiry` 0 never expires) under the domain "Dai Stablecoin", version "1", exposed as
/// the `DOMAIN_SEPARATOR` variable (no ERC-5267 `eip712Domain()`); a holder moving its own tokens with
/// `transferFrom` needs no allowance; an infinite allowance is never decreased. Anyone may mint. Behaviour
/// only, not Maker's code; never deploy it where value is.
contract MockDAI is ERC20 {
    /// @notice The permit names the zero address as holder.
    error InvalidHolder();
    /// @notice The permit is not signed by the holder.
    error InvalidPermit();
    /// @notice The permit's expiry passed.
    error PermitExpired(uint256 expiry);
    /// @notice The permit's nonce is not the holder's current one.
    error InvalidNonce(uint256 expected, uint256 given);

    bytes32 public constant PERMIT_TYPEHASH = keccak256(
        "Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)"
    );
    /// @dev A permit with this expiry never expires.
    uint256 private constant NO_EXPIRY = 0;

    // solhint-disable-next-line var-name-mixedcase
    bytes32 public immutable DOMAIN_SEPARATOR;
    mapping(address holder => uint256) public nonces;

    constructor() ERC20("Dai Stablecoin", "DAI") {
        DOMAIN_SEPARATOR = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name())),
                keccak256(bytes(version())),
                block.chainid,
                address(this)
            )
        );
    }

    /// @notice The EIP-712 domain's version.
    function version() public pure returns (string memory) {
        return "1";
    }

    /// @notice Mints `amount` to `to`; open to all, as a faucet.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (from != msg.sender) _spendAllowance(from, msg.sender, value);
        _transfer(from, to, value);
        return true;
    }

    function permit(
        address holder,
        address spender,
        uint256 nonce,
        uint256 expiry,
        bool allowed,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        bytes32 digest = MessageHashUtils.toTypedDataHash(
            DOMAIN_SEPARATOR,
            keccak256(abi.encode(PERMIT_TYPEHASH, holder, spender, nonce, expiry, allowed))
        );
        if (holder == address(0)) revert InvalidHolder();
        if (holder != ecrecover(digest, v, r, s)) revert InvalidPermit();
        if (expiry != NO_EXPIRY && block.timestamp > expiry) revert PermitExpired(expiry);
        uint256 expected = nonces[holder];
        if (nonce != expected) revert InvalidNonce(expected, nonce);
        ++nonces[holder];
        _approve(holder, spender, allowed ? type(uint256).max : 0);
    }
}
