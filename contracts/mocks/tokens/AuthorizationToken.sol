// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {BlacklistableToken} from "./BlacklistableToken.sol";

/// @title A stablecoin the way Circle's and Paxos's are seen from outside: permit and EIP-3009
/// @notice EIP-2612 `permit` and EIP-3009 `transferWithAuthorization`, `receiveWithAuthorization` and
/// `cancelAuthorization`, each with a split `v, r, s` signature and with a `bytes` signature (ERC-1271
/// wallets are asked through both). The EIP-712 domain (`name()`, `version()`, chain id, this address) is
/// exposed only as `DOMAIN_SEPARATOR()`: there is no ERC-5267 `eip712Domain()`, as on USDC. What a used
/// authorization nonce does is the flavour's choice ({_authorizationAlreadyUsed}). Behaviour only, not the
/// issuers' code; for tests and local chains.
abstract contract AuthorizationToken is BlacklistableToken {
    /// @notice The permit's deadline passed.
    error PermitExpired(uint256 deadline);
    /// @notice The signature is not the signer's (ECDSA) nor accepted by its ERC-1271 wallet.
    error InvalidSignature();
    /// @notice `receiveWithAuthorization` called by someone other than the payee.
    error CallerMustBePayee(address caller, address payee);
    /// @notice The authorization is valid only after `validAfter`.
    error AuthorizationNotYetValid(uint256 validAfter);
    /// @notice The authorization was valid only before `validBefore`.
    error AuthorizationExpired(uint256 validBefore);
    /// @notice The authorization's nonce was used or cancelled.
    error AuthorizationUsedOrCanceled(address authorizer, bytes32 nonce);

    event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce);
    event AuthorizationCanceled(address indexed authorizer, bytes32 indexed nonce);

    /// @dev keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    bytes32 private constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 public constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );
    bytes32 public constant TRANSFER_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant RECEIVE_WITH_AUTHORIZATION_TYPEHASH = keccak256(
        "ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)"
    );
    bytes32 public constant CANCEL_AUTHORIZATION_TYPEHASH = keccak256(
        "CancelAuthorization(address authorizer,bytes32 nonce)"
    );
    /// @dev A permit with this deadline never expires.
    uint256 private constant NO_DEADLINE = type(uint256).max;

    string private _version;
    mapping(address owner => uint256) private _permitNonces;
    mapping(address authorizer => mapping(bytes32 nonce => bool)) private _authorizations;

    constructor(
        string memory name_,
        string memory symbol_,
        string memory version_,
        uint8 decimals_
    ) BlacklistableToken(name_, symbol_, decimals_) {
        _version = version_;
    }

    /// @notice The EIP-712 domain's version.
    function version() external view returns (string memory) {
        return _version;
    }

    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    DOMAIN_TYPEHASH,
                    keccak256(bytes(name())),
                    keccak256(bytes(_version)),
                    block.chainid,
                    address(this)
                )
            );
    }

    function nonces(address owner) external view returns (uint256) {
        return _permitNonces[owner];
    }

    function authorizationState(address authorizer, bytes32 nonce) external view returns (bool) {
        return _authorizations[authorizer][nonce];
    }

    // ---------------------------------------------------------------------------------------------
    // EIP-2612
    // ---------------------------------------------------------------------------------------------

    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _permit(owner, spender, value, deadline, abi.encodePacked(r, s, v));
    }

    function permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        bytes calldata signature
    ) external {
        _permit(owner, spender, value, deadline, signature);
    }

    // ---------------------------------------------------------------------------------------------
    // EIP-3009
    // ---------------------------------------------------------------------------------------------

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        _authorizedTransfer(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            Authorization(from, to, value, validAfter, validBefore, nonce),
            abi.encodePacked(r, s, v)
        );
    }

    function transferWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        _authorizedTransfer(
            TRANSFER_WITH_AUTHORIZATION_TYPEHASH,
            Authorization(from, to, value, validAfter, validBefore, nonce),
            signature
        );
    }

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external {
        if (to != msg.sender) revert CallerMustBePayee(msg.sender, to);
        _authorizedTransfer(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            Authorization(from, to, value, validAfter, validBefore, nonce),
            abi.encodePacked(r, s, v)
        );
    }

    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes calldata signature
    ) external {
        if (to != msg.sender) revert CallerMustBePayee(msg.sender, to);
        _authorizedTransfer(
            RECEIVE_WITH_AUTHORIZATION_TYPEHASH,
            Authorization(from, to, value, validAfter, validBefore, nonce),
            signature
        );
    }

    function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external {
        _cancelAuthorization(authorizer, nonce, abi.encodePacked(r, s, v));
    }

    function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature) external {
        _cancelAuthorization(authorizer, nonce, signature);
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    struct Authorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// @dev What a used (or cancelled) nonce does: revert (USDC), or return normally and so end the call
    /// without effect (PYUSD).
    function _authorizationAlreadyUsed(address authorizer, bytes32 nonce) internal virtual;

    function _permit(
        address owner,
        address spender,
        uint256 value,
        uint256 deadline,
        bytes memory signature
    ) private notBlacklisted(owner) notBlacklisted(spender) {
        if (deadline != NO_DEADLINE && deadline < block.timestamp) revert PermitExpired(deadline);
        uint256 nonce = _permitNonces[owner];
        ++_permitNonces[owner];
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline));
        _requireSignature(owner, structHash, signature);
        _approve(owner, spender, value);
    }

    function _authorizedTransfer(
        bytes32 typeHash,
        Authorization memory a,
        bytes memory signature
    ) private notBlacklisted(a.from) notBlacklisted(a.to) {
        if (block.timestamp <= a.validAfter) revert AuthorizationNotYetValid(a.validAfter);
        if (block.timestamp >= a.validBefore) revert AuthorizationExpired(a.validBefore);
        if (_authorizations[a.from][a.nonce]) {
            _authorizationAlreadyUsed(a.from, a.nonce);
        } else {
            bytes32 structHash = keccak256(
                abi.encode(typeHash, a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce)
            );
            _requireSignature(a.from, structHash, signature);
            _authorizations[a.from][a.nonce] = true;
            emit AuthorizationUsed(a.from, a.nonce);
            _transfer(a.from, a.to, a.value);
        }
    }

    function _cancelAuthorization(
        address authorizer,
        bytes32 nonce,
        bytes memory signature
    ) private notBlacklisted(authorizer) {
        if (_authorizations[authorizer][nonce]) {
            _authorizationAlreadyUsed(authorizer, nonce);
        } else {
            bytes32 structHash = keccak256(abi.encode(CANCEL_AUTHORIZATION_TYPEHASH, authorizer, nonce));
            _requireSignature(authorizer, structHash, signature);
            _authorizations[authorizer][nonce] = true;
            emit AuthorizationCanceled(authorizer, nonce);
        }
    }

    function _requireSignature(address signer, bytes32 structHash, bytes memory signature) private view {
        bytes32 digest = MessageHashUtils.toTypedDataHash(DOMAIN_SEPARATOR(), structHash);
        if (!SignatureChecker.isValidSignatureNow(signer, digest, signature)) revert InvalidSignature();
    }
}
