// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {IDaiPermit} from "./interfaces/IDaiPermit.sol";
import {IERC3009} from "./interfaces/IERC3009.sol";
import {IPlauditFunding} from "./interfaces/IPlauditFunding.sol";
import {IPlauditPool} from "./interfaces/IPlauditPool.sol";

/// @title Plaudit pool: funding paths and signed intents
/// @notice See {IPlauditFunding}. The pool's own rules (what a subscription, a cancellation, a withdrawal or a
/// revocation does to a reader's budgets) stay in {PlauditPool}; this contract adds who may ask for them (a
/// signature of the reader instead of `msg.sender`) and how the funds arrive (EIP-3009 or a permit).
abstract contract PlauditFunding is IPlauditPool, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice keccak256("Subscription(address reader,uint256 amountPerEpoch,uint64 epochs,uint64 firstEpoch,uint256 relayerFee,uint256 nonce,uint256 deadline)")
    bytes32 public constant SUBSCRIPTION_TYPEHASH = keccak256(
        "Subscription(address reader,uint256 amountPerEpoch,uint64 epochs,uint64 firstEpoch,uint256 relayerFee,uint256 nonce,uint256 deadline)"
    );
    /// @notice keccak256("Cancellation(address reader,uint64 fromEpoch,uint256 relayerFee,uint256 nonce,uint256 deadline)")
    bytes32 public constant CANCELLATION_TYPEHASH = keccak256(
        "Cancellation(address reader,uint64 fromEpoch,uint256 relayerFee,uint256 nonce,uint256 deadline)"
    );
    /// @notice keccak256("Withdrawal(address reader,uint256 relayerFee,uint256 nonce,uint256 deadline)")
    bytes32 public constant WITHDRAWAL_TYPEHASH = keccak256(
        "Withdrawal(address reader,uint256 relayerFee,uint256 nonce,uint256 deadline)"
    );
    /// @notice keccak256("Tip(address reader,address creator,uint256 amount,uint256 relayerFee,uint256 nonce,uint256 deadline)")
    bytes32 public constant TIP_TYPEHASH = keccak256(
        "Tip(address reader,address creator,uint256 amount,uint256 relayerFee,uint256 nonce,uint256 deadline)"
    );
    /// @notice keccak256("Revocation(address reader,uint256 nonce,uint256 deadline)")
    bytes32 public constant REVOCATION_TYPEHASH = keccak256(
        "Revocation(address reader,uint256 nonce,uint256 deadline)"
    );

    /// @dev The pool takes EIP-3009 authorizations valid from the start of time, so the authorization a reader
    /// signs is fixed by the subscription alone.
    uint256 private constant AUTHORIZATION_VALID_AFTER = 0;
    /// @dev `r | s | v`: the length of a signature the older EIP-3009 form takes split.
    uint256 private constant SPLIT_SIGNATURE_BYTES = 65;

    // ---------------------------------------------------------------------------------------------
    // Funding paths
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditFunding
    function subscribeWithAuthorization(Subscription calldata terms, bytes calldata signature) external nonReentrant {
        // The token checks the reader's signature of an authorization whose nonce is this digest: that is what
        // binds the terms. The deadline is checked here too, so an expired intent fails the same way on every path.
        _checkDeadline(terms.deadline);
        _useIntentNonce(terms.reader, terms.nonce);
        uint256 value =
            _recordSubscription(terms.reader, terms.amountPerEpoch, terms.epochs, terms.firstEpoch) + terms.relayerFee;
        bytes32 authorizationNonce = _hashTypedDataV4(_hashSubscription(terms));

        _receiveWithAuthorization(terms.reader, value, terms.deadline, authorizationNonce, signature);
        _payRelayer(terms.reader, terms.nonce, terms.relayerFee);
    }

    /// @inheritdoc IPlauditFunding
    function subscribeBySignature(
        Subscription calldata terms,
        TokenPermit calldata permit,
        bytes calldata signature
    ) external nonReentrant {
        _useIntent(terms.reader, terms.nonce, terms.deadline, _hashSubscription(terms), signature);
        uint256 value =
            _recordSubscription(terms.reader, terms.amountPerEpoch, terms.epochs, terms.firstEpoch) + terms.relayerFee;
        _applyPermit(terms.reader, value, permit);
        _pull(terms.reader, value);
        _payRelayer(terms.reader, terms.nonce, terms.relayerFee);
    }

    // ---------------------------------------------------------------------------------------------
    // Tips
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditFunding
    function tip(address creator, uint256 amount) external nonReentrant {
        _creditTip(msg.sender, creator, amount);
        _pull(msg.sender, amount);
    }

    /// @inheritdoc IPlauditFunding
    function tipWithPermit(
        address creator,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        _creditTip(msg.sender, creator, amount);
        // A permit someone front-ran reverts here although the allowance is in place: go on, and let
        // transferFrom decide.
        try
            IERC20Permit(address(_fundingToken())).permit(msg.sender, address(this), amount, deadline, v, r, s)
        {} catch {}
        _pull(msg.sender, amount);
    }

    /// @inheritdoc IPlauditFunding
    function tipWithAuthorization(Tip calldata terms, bytes calldata signature) external nonReentrant {
        // As subscribeWithAuthorization: the token checks the reader's signature of an authorization whose
        // nonce is the tip's digest.
        _checkDeadline(terms.deadline);
        _useIntentNonce(terms.reader, terms.nonce);
        _creditTip(terms.reader, terms.creator, terms.amount);
        bytes32 authorizationNonce = _hashTypedDataV4(_hashTip(terms));
        _receiveWithAuthorization(
            terms.reader,
            terms.amount + terms.relayerFee,
            terms.deadline,
            authorizationNonce,
            signature
        );
        _payRelayer(terms.reader, terms.nonce, terms.relayerFee);
    }

    /// @inheritdoc IPlauditFunding
    function tipBySignature(
        Tip calldata terms,
        TokenPermit calldata permit,
        bytes calldata signature
    ) external nonReentrant {
        _useIntent(terms.reader, terms.nonce, terms.deadline, _hashTip(terms), signature);
        _creditTip(terms.reader, terms.creator, terms.amount);
        uint256 value = terms.amount + terms.relayerFee;
        _applyPermit(terms.reader, value, permit);
        _pull(terms.reader, value);
        _payRelayer(terms.reader, terms.nonce, terms.relayerFee);
    }

    // ---------------------------------------------------------------------------------------------
    // Signed intents
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditFunding
    function cancelBySignature(
        Cancellation calldata cancellation,
        bytes calldata signature
    ) external nonReentrant returns (uint256 refund) {
        address reader = cancellation.reader;
        bytes32 structHash = keccak256(abi.encode(CANCELLATION_TYPEHASH, cancellation));
        _useIntent(reader, cancellation.nonce, cancellation.deadline, structHash, signature);
        refund = _payOut(reader, _cancel(reader, cancellation.fromEpoch), cancellation.relayerFee, cancellation.nonce);
    }

    /// @inheritdoc IPlauditFunding
    function withdrawBySignature(
        Withdrawal calldata withdrawal,
        bytes calldata signature
    ) external nonReentrant returns (uint256 amount) {
        address reader = withdrawal.reader;
        bytes32 structHash = keccak256(abi.encode(WITHDRAWAL_TYPEHASH, withdrawal));
        _useIntent(reader, withdrawal.nonce, withdrawal.deadline, structHash, signature);
        amount = _payOut(reader, _withdraw(reader), withdrawal.relayerFee, withdrawal.nonce);
    }

    /// @inheritdoc IPlauditFunding
    function revokeSessionsBySignature(
        Revocation calldata revocation,
        bytes calldata signature
    ) external nonReentrant returns (uint32 nonce) {
        address reader = revocation.reader;
        bytes32 structHash = keccak256(abi.encode(REVOCATION_TYPEHASH, revocation));
        _useIntent(reader, revocation.nonce, revocation.deadline, structHash, signature);
        nonce = _revokeSessions(reader);
        emit IntentExecuted(reader, revocation.nonce, msg.sender, 0);
    }

    // ---------------------------------------------------------------------------------------------
    // Views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IPlauditFunding
    function subscriptionDigest(Subscription calldata terms) external view returns (bytes32) {
        return _hashTypedDataV4(_hashSubscription(terms));
    }

    /// @inheritdoc IPlauditFunding
    function tipDigest(Tip calldata terms) external view returns (bytes32) {
        return _hashTypedDataV4(_hashTip(terms));
    }

    /// @inheritdoc IPlauditFunding
    function cancellationDigest(Cancellation calldata cancellation) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CANCELLATION_TYPEHASH, cancellation)));
    }

    /// @inheritdoc IPlauditFunding
    function withdrawalDigest(Withdrawal calldata withdrawal) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(WITHDRAWAL_TYPEHASH, withdrawal)));
    }

    /// @inheritdoc IPlauditFunding
    function revocationDigest(Revocation calldata revocation) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(REVOCATION_TYPEHASH, revocation)));
    }

    // ---------------------------------------------------------------------------------------------
    // What the pool provides
    // ---------------------------------------------------------------------------------------------

    /// @dev The pool's stablecoin.
    function _fundingToken() internal view virtual returns (IERC20);

    /// @dev Checks a subscription and adds it to `reader`'s budgets; returns the amount to pull for it.
    function _recordSubscription(
        address reader,
        uint256 amountPerEpoch,
        uint64 epochs,
        uint64 firstEpoch
    ) internal virtual returns (uint256 total);

    /// @dev Pulls `amount` from `from` with `transferFrom`, refusing a token that delivers another amount.
    function _pull(address from, uint256 amount) internal virtual;

    /// @dev Checks a tip and credits `amount` to `creator`'s claimable balance, with its event; the caller
    /// then brings the funds in (or reverts).
    function _creditTip(address reader, address creator, uint256 amount) internal virtual;

    /// @dev Takes back `reader`'s budgets from `fromEpoch` on; returns the refund, which the caller pays.
    function _cancel(address reader, uint64 fromEpoch) internal virtual returns (uint256 refund);

    /// @dev Sweeps `reader`'s expired budgets; returns the amount, which the caller pays.
    function _withdraw(address reader) internal virtual returns (uint256 amount);

    /// @dev Moves `reader`'s session nonce on; returns the new one.
    function _revokeSessions(address reader) internal virtual returns (uint32 nonce);

    /// @dev Uses `reader`'s intent nonce `nonce`, reverting with `InvalidIntentNonce` unless it is the next one.
    function _useIntentNonce(address reader, uint256 nonce) internal virtual;

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _hashSubscription(Subscription calldata terms) private pure returns (bytes32) {
        // Every member is a static type: the struct's ABI encoding is EIP-712's `encodeData`.
        return keccak256(abi.encode(SUBSCRIPTION_TYPEHASH, terms));
    }

    function _hashTip(Tip calldata terms) private pure returns (bytes32) {
        // Every member is a static type: the struct's ABI encoding is EIP-712's `encodeData`.
        return keccak256(abi.encode(TIP_TYPEHASH, terms));
    }

    /// @dev Receives `value` from `reader` by its EIP-3009 authorization of `authorizationNonce`, refusing a
    /// token that moved another amount.
    function _receiveWithAuthorization(
        address reader,
        uint256 value,
        uint256 deadline,
        bytes32 authorizationNonce,
        bytes calldata signature
    ) private {
        IERC20 token = _fundingToken();
        uint256 before = token.balanceOf(address(this));
        if (signature.length == SPLIT_SIGNATURE_BYTES) {
            // The form every EIP-3009 token has; tokens with both (USDC) check ERC-1271 wallets through it too.
            IERC3009(address(token)).receiveWithAuthorization(
                reader,
                address(this),
                value,
                AUTHORIZATION_VALID_AFTER,
                deadline,
                authorizationNonce,
                uint8(signature[64]),
                bytes32(signature[0:32]),
                bytes32(signature[32:64])
            );
        } else {
            IERC3009(address(token)).receiveWithAuthorization(
                reader,
                address(this),
                value,
                AUTHORIZATION_VALID_AFTER,
                deadline,
                authorizationNonce,
                signature
            );
        }
        // A token may return without moving anything (PYUSD on a used nonce): only what arrived counts.
        uint256 received = token.balanceOf(address(this)) - before;
        if (received != value) revert TransferAmountMismatch(value, received);
    }

    /// @dev Checks an intent's deadline and the reader's signature of its struct hash, then uses its nonce.
    function _useIntent(
        address reader,
        uint256 nonce,
        uint256 deadline,
        bytes32 structHash,
        bytes calldata signature
    ) private {
        _checkDeadline(deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(reader, _hashTypedDataV4(structHash), signature)) {
            revert InvalidIntentSignature(reader);
        }
        _useIntentNonce(reader, nonce);
    }

    function _checkDeadline(uint256 deadline) private view {
        if (block.timestamp >= deadline) revert IntentExpired(deadline, block.timestamp);
    }

    /// @dev Applies the reader's token permit for `value`. A permit someone front-ran reverts here although
    /// the allowance is in place: go on, and let `transferFrom` decide.
    function _applyPermit(address reader, uint256 value, TokenPermit calldata permit) private {
        address token = address(_fundingToken());
        if (permit.kind == PermitKind.Eip2612) {
            try
                IERC20Permit(token).permit(reader, address(this), value, permit.deadline, permit.v, permit.r, permit.s)
            {} catch {}
        } else if (permit.kind == PermitKind.Dai) {
            try
                IDaiPermit(token).permit(
                    reader,
                    address(this),
                    permit.nonce,
                    permit.deadline,
                    true,
                    permit.v,
                    permit.r,
                    permit.s
                )
            {} catch {}
        }
    }

    /// @dev Pays `relayerFee` of what the pool just received to the caller, as the reader signed it.
    function _payRelayer(address reader, uint256 nonce, uint256 relayerFee) private {
        emit IntentExecuted(reader, nonce, msg.sender, relayerFee);
        if (relayerFee != 0) _fundingToken().safeTransfer(msg.sender, relayerFee);
    }

    /// @dev Pays `amount` out of the pool: `relayerFee` to the caller, the rest to the reader. Returns the rest.
    function _payOut(
        address reader,
        uint256 amount,
        uint256 relayerFee,
        uint256 nonce
    ) private returns (uint256 toReader) {
        if (relayerFee > amount) revert RelayerFeeExceedsPayout(relayerFee, amount);
        toReader = amount - relayerFee;
        emit IntentExecuted(reader, nonce, msg.sender, relayerFee);
        IERC20 token = _fundingToken();
        if (toReader != 0) token.safeTransfer(reader, toReader);
        if (relayerFee != 0) token.safeTransfer(msg.sender, relayerFee);
    }
}
