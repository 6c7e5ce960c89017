// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title Naive click settlement, for the gas benchmark only
/// @notice The design Plaudit avoids: every click carries its own reader signature, verified on chain
/// one by one, and each click credits its creator in storage. Budgets and tokens are left out, so its
/// gas is a lower bound of what such a design costs. Never deploy it.
contract NaiveClickPool is EIP712 {
    /// @dev keccak256("Click(address reader,address creator,uint64 epoch,uint64 nonce)")
    bytes32 private constant CLICK_TYPEHASH = keccak256(
        "Click(address reader,address creator,uint64 epoch,uint64 nonce)"
    );

    struct SignedClick {
        address creator;
        uint64 nonce;
        bytes signature;
    }

    struct ReaderClicks {
        address reader;
        uint256 budget;
        SignedClick[] clicks;
    }

    error BadClickSignature(address reader, uint64 nonce);
    error NonceNotIncreasing(address reader, uint64 nonce);

    mapping(address creator => uint256) public claimable;
    mapping(address reader => mapping(uint64 epoch => bool)) public settled;

    constructor() EIP712("NaivePlaudit", "1") {}

    function settle(uint64 epoch, ReaderClicks[] calldata batch) external {
        for (uint256 i = 0; i < batch.length; ++i) {
            ReaderClicks calldata entry = batch[i];
            settled[entry.reader][epoch] = true;
            uint256 share = entry.budget / entry.clicks.length;
            uint64 lastNonce = 0;
            for (uint256 j = 0; j < entry.clicks.length; ++j) {
                SignedClick calldata click = entry.clicks[j];
                if (click.nonce <= lastNonce) revert NonceNotIncreasing(entry.reader, click.nonce);
                lastNonce = click.nonce;
                bytes32 digest = _hashTypedDataV4(
                    keccak256(abi.encode(CLICK_TYPEHASH, entry.reader, click.creator, epoch, click.nonce))
                );
                if (ECDSA.recoverCalldata(digest, click.signature) != entry.reader) {
                    revert BadClickSignature(entry.reader, click.nonce);
                }
                claimable[click.creator] += share;
            }
        }
    }
}
