/**
 * The pool's funding paths on each token flavour: EIP-3009 `subscribeWithAuthorization` (USDC- and
 * PYUSD-like), a permit plus a signed `Subscription` (`subscribeBySignature`: EIP-2612 on the mock stablecoin
 * and the USDC-like token, DAI's permit on the DAI-like one, an allowance already in place on the USDT-like
 * one), and what a relayer or a front-runner can and cannot do to them.
 */
import { expect } from "chai";
import type { Address, TypedDataDomain } from "viem";

import {
  cancelAuthorizationTypedData,
  domainFromEip712Domain,
  NO_PERMIT,
  PermitKind,
  plauditDomain,
  subscriptionDigest,
  subscriptionValue,
  tokenPermit,
  type Eip712DomainResult,
  type SubscriptionMessage,
} from "@plaudit/protocol";
import { EPOCH_LENGTH, ethers, KEEPER_TIP_BPS, networkHelpers } from "../helpers/fixtures.js";
import { BudgetStatus, expectBudget, expectConservation } from "../helpers/pool.js";
import {
  deployFlavoursFixture,
  signDaiPermit,
  signPermit,
  signSubscription,
  signSubscriptionAuthorization,
  signTyped,
  unit,
  type Flavour,
  type FlavoursFixture,
} from "../helpers/tokens.js";

/** EIP-2612's permit with a split signature, as a front-runner calls it on any permit token. */
const EIP2612_PERMIT = "function permit(address,address,uint256,uint256,uint8,bytes32,bytes32)";

/** Budget, epochs and fee of the tests' subscriptions, in whole tokens (scaled by each token's decimals). */
const AMOUNT = 10n;
const EPOCHS = 3n;
const FEE_TENTHS = 2n;

async function amounts(f: FlavoursFixture, flavour: Flavour) {
  const one = unit(await f.tokens[flavour].decimals());
  return { amountPerEpoch: AMOUNT * one, epochs: EPOCHS, relayerFee: (FEE_TENTHS * one) / 10n };
}

/** The ways a relayer could try to change signed terms. */
function tamperings(terms: SubscriptionMessage): [string, SubscriptionMessage][] {
  return [
    ["amountPerEpoch", { ...terms, amountPerEpoch: terms.amountPerEpoch + 1n }],
    ["epochs", { ...terms, epochs: terms.epochs - 1n }],
    ["firstEpoch", { ...terms, firstEpoch: terms.firstEpoch + 1n }],
    ["relayerFee", { ...terms, relayerFee: terms.relayerFee + 1n }],
    ["deadline", { ...terms, deadline: terms.deadline + 1n }],
  ];
}

for (const flavour of ["usdc", "pyusd"] as const) {
  describe(`PlauditPool subscribeWithAuthorization (EIP-3009, ${flavour}-like token)`, () => {
    /** Alice's authorization of a subscription on `flavour`, and what she signed it for. */
    async function authorizationFixture() {
      const f = await deployFlavoursFixture();
      const pool = f.pools[flavour];
      const token = f.tokens[flavour];
      const terms = await f.termsFor(flavour, f.alice, await amounts(f, flavour));
      const signature = await signSubscriptionAuthorization(
        f.alice,
        await f.tokenDomain(flavour),
        await f.poolDomain(flavour),
        terms,
      );
      return { ...f, pool, token, terms, signature };
    }

    it("subscribeWithAuthorization: funds the reader's epochs and pays the caller exactly the signed fee", async () => {
      const { pool, token, alice, relayer, terms, signature, poolDomain } =
        await networkHelpers.loadFixture(authorizationFixture);
      const total = terms.amountPerEpoch * terms.epochs;
      const tx = pool.connect(relayer).subscribeWithAuthorization(terms, signature);
      await expect(tx).to.changeTokenBalances(
        ethers,
        token,
        [alice, relayer, pool],
        [-(total + terms.relayerFee), terms.relayerFee, total],
      );
      await expect(tx)
        .to.emit(pool, "Subscribed")
        .withArgs(alice.address, 0n, EPOCHS, terms.amountPerEpoch, total)
        .and.to.emit(pool, "IntentExecuted")
        .withArgs(alice.address, 0n, relayer.address, terms.relayerFee);
      for (const epoch of [0n, 1n, 2n]) await expectBudget(pool, alice, epoch, terms.amountPerEpoch, BudgetStatus.Open);
      expect(await pool.intentNonceOf(alice)).to.equal(1n);
      const digest = subscriptionDigest(await poolDomain(flavour), terms);
      expect(await pool.subscriptionDigest(terms)).to.equal(digest);
      expect(await token.authorizationState(alice, digest)).to.equal(true);
      await expectConservation(pool, token, [alice], []);
    });

    it("subscribeWithAuthorization: a caller changing any signed term is refused by the token", async () => {
      const { pool, token, relayer, terms, signature } = await networkHelpers.loadFixture(authorizationFixture);
      for (const [field, changed] of tamperings(terms)) {
        await expect(
          pool.connect(relayer).subscribeWithAuthorization(changed, signature),
          field,
        ).to.be.revertedWithCustomError(token, "InvalidSignature");
      }
    });

    it("subscribeWithAuthorization: an authorization is used once (InvalidIntentNonce)", async () => {
      const { pool, alice, relayer, stranger, terms, signature } =
        await networkHelpers.loadFixture(authorizationFixture);
      await pool.connect(relayer).subscribeWithAuthorization(terms, signature);
      await expect(pool.connect(stranger).subscribeWithAuthorization(terms, signature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
        .withArgs(alice.address, 1n, 0n);
    });

    it("subscribeWithAuthorization: an authorization the reader cancelled on the token moves nothing", async () => {
      const f = await networkHelpers.loadFixture(authorizationFixture);
      const { pool, token, alice, relayer, terms, signature } = f;
      const nonce = subscriptionDigest(await f.poolDomain(flavour), terms);
      const cancel = await signTyped(
        alice,
        cancelAuthorizationTypedData(await f.tokenDomain(flavour), { authorizer: alice.address as Address, nonce }),
      );
      await token.connect(relayer)["cancelAuthorization(address,bytes32,bytes)"](alice, nonce, cancel);
      const submission = pool.connect(relayer).subscribeWithAuthorization(terms, signature);
      if (flavour === "usdc") {
        await expect(submission)
          .to.be.revertedWithCustomError(token, "AuthorizationUsedOrCanceled")
          .withArgs(alice.address, nonce);
      } else {
        // PYUSD returns without a transfer on a used nonce: the pool's balance check refuses it.
        await expect(submission)
          .to.be.revertedWithCustomError(pool, "TransferAmountMismatch")
          .withArgs(subscriptionValue(terms), 0n);
      }
      await expectBudget(pool, alice, 0n, 0n, BudgetStatus.Open);
    });

    it("subscribeWithAuthorization: a front-runner changes nothing for the reader and cannot divert the funds", async () => {
      const { pool, token, alice, relayer, stranger, terms, signature } =
        await networkHelpers.loadFixture(authorizationFixture);
      const value = subscriptionValue(terms);
      const args = [alice.address, await pool.getAddress(), value, 0n, terms.deadline] as const;
      const nonce = await pool.subscriptionDigest(terms);
      // The signature is for ReceiveWithAuthorization: it is no good as a plain transfer authorization...
      const asStranger = token.connect(stranger);
      const transfer = asStranger.getFunction(
        "transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
      );
      const receive = asStranger.getFunction(
        "receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)",
      );
      await expect(transfer(...args, nonce, signature)).to.be.revertedWithCustomError(token, "InvalidSignature");
      // ...and only the payee (the pool) may receive with it.
      await expect(receive(...args, nonce, signature))
        .to.be.revertedWithCustomError(token, "CallerMustBePayee")
        .withArgs(stranger.address, await pool.getAddress());
      // Submitted first by someone else, it subscribes the reader on the signed terms; the fee goes to that caller.
      await expect(pool.connect(stranger).subscribeWithAuthorization(terms, signature)).to.changeTokenBalances(
        ethers,
        token,
        [alice, stranger],
        [-value, terms.relayerFee],
      );
      await expect(pool.connect(relayer).subscribeWithAuthorization(terms, signature)).to.be.revertedWithCustomError(
        pool,
        "InvalidIntentNonce",
      );
      await expectBudget(pool, alice, 0n, terms.amountPerEpoch, BudgetStatus.Open);
    });

    it("subscribeWithAuthorization: an authorization to another payee (another pool) is refused", async () => {
      const f = await networkHelpers.loadFixture(authorizationFixture);
      const { pool, token, alice, relayer, terms } = f;
      const other = await ethers.deployContract("PlauditPool", [token, f.startTime, EPOCH_LENGTH, KEEPER_TIP_BPS]);
      const otherDomain = plauditDomain(f.chainId, (await other.getAddress()) as Address);
      const forOther = await signSubscriptionAuthorization(alice, await f.tokenDomain(flavour), otherDomain, terms);
      await expect(pool.connect(relayer).subscribeWithAuthorization(terms, forOther)).to.be.revertedWithCustomError(
        token,
        "InvalidSignature",
      );
    });

    it("subscribeWithAuthorization: refuses an expired authorization with IntentExpired", async () => {
      const { pool, relayer, terms, signature } = await networkHelpers.loadFixture(authorizationFixture);
      await networkHelpers.time.setNextBlockTimestamp(terms.deadline);
      await expect(pool.connect(relayer).subscribeWithAuthorization(terms, signature))
        .to.be.revertedWithCustomError(pool, "IntentExpired")
        .withArgs(terms.deadline, terms.deadline);
    });

    it("subscribeWithAuthorization: a signature of another length goes to the token's bytes form, which checks it", async () => {
      const { pool, token, relayer, terms, signature } = await networkHelpers.loadFixture(authorizationFixture);
      // Decoded by the token (else it would revert without an error), refused as a signature.
      await expect(
        pool.connect(relayer).subscribeWithAuthorization(terms, `${signature}00`),
      ).to.be.revertedWithCustomError(token, "InvalidSignature");
    });

    it("subscribeWithAuthorization: an ERC-1271 wallet reader subscribes with its owner's signature", async () => {
      const f = await networkHelpers.loadFixture(authorizationFixture);
      const { pool, token, deployer: owner, relayer } = f;
      const wallet = await ethers.deployContract("MockERC1271Wallet", [owner.address]);
      await token.mint(wallet, 1000n * unit(await token.decimals()));
      const terms = await f.termsFor(flavour, wallet, await amounts(f, flavour));
      const signature = await signSubscriptionAuthorization(
        owner,
        await f.tokenDomain(flavour),
        await f.poolDomain(flavour),
        terms,
      );
      await expect(pool.connect(relayer).subscribeWithAuthorization(terms, signature))
        .to.emit(pool, "IntentExecuted")
        .withArgs(await wallet.getAddress(), 0n, relayer.address, terms.relayerFee);
      await expectBudget(pool, await wallet.getAddress(), 0n, terms.amountPerEpoch, BudgetStatus.Open);
    });
  });
}

for (const { flavour, permit } of [
  { flavour: "musd", permit: "eip2612" },
  { flavour: "usdc", permit: "eip2612" },
  { flavour: "dai", permit: "dai" },
] as const) {
  describe(`PlauditPool subscribeBySignature (${permit} permit, ${flavour}-like token)`, () => {
    async function tokenDomainOf(f: FlavoursFixture): Promise<TypedDataDomain> {
      if (flavour === "musd") {
        return domainFromEip712Domain((await f.tokens.musd.eip712Domain()) as unknown as Eip712DomainResult);
      }
      return f.tokenDomain(flavour);
    }

    /** Alice's signed terms and her token permit for exactly what they pull. */
    async function permitFixture() {
      const f = await deployFlavoursFixture();
      const pool = f.pools[flavour];
      const token = f.tokens[flavour];
      const terms = await f.termsFor(flavour, f.alice, await amounts(f, flavour));
      const spender = (await pool.getAddress()) as Address;
      const domain = await tokenDomainOf(f);
      const permitNonce = await token.nonces(f.alice);
      const owner = f.alice.address as Address;
      let permitStruct;
      /** Uses alice's permit directly on the token, as a front-runner would. */
      let frontRun: () => Promise<unknown>;
      if (permit === "eip2612") {
        const value = subscriptionValue(terms);
        const signed = await signPermit(f.alice, domain, {
          owner,
          spender,
          value,
          nonce: permitNonce,
          deadline: terms.deadline,
        });
        permitStruct = tokenPermit(PermitKind.Eip2612, signed, { deadline: terms.deadline });
        const { v, r, s } = permitStruct;
        const eip2612 = new ethers.Contract(await token.getAddress(), [EIP2612_PERMIT], f.stranger);
        frontRun = async () => eip2612.getFunction("permit")(owner, spender, value, terms.deadline, v, r, s);
      } else {
        const signed = await signDaiPermit(f.alice, domain, {
          holder: owner,
          spender,
          nonce: permitNonce,
          expiry: terms.deadline,
          allowed: true,
        });
        permitStruct = tokenPermit(PermitKind.Dai, signed, { deadline: terms.deadline, nonce: permitNonce });
        const { v, r, s } = permitStruct;
        frontRun = async () =>
          f.tokens.dai.connect(f.stranger).permit(owner, spender, permitNonce, terms.deadline, true, v, r, s);
      }
      const signature = await signSubscription(f.alice, await f.poolDomain(flavour), terms);
      return { ...f, pool, token, terms, permit: permitStruct, signature, frontRun };
    }

    it("subscribeBySignature: funds the reader through its permit and pays the caller exactly the signed fee", async () => {
      const {
        pool,
        token,
        alice,
        relayer,
        terms,
        permit: p,
        signature,
      } = await networkHelpers.loadFixture(permitFixture);
      const total = terms.amountPerEpoch * terms.epochs;
      const tx = pool.connect(relayer).subscribeBySignature(terms, p, signature);
      await expect(tx).to.changeTokenBalances(
        ethers,
        token,
        [alice, relayer, pool],
        [-(total + terms.relayerFee), terms.relayerFee, total],
      );
      await expect(tx).to.emit(pool, "IntentExecuted").withArgs(alice.address, 0n, relayer.address, terms.relayerFee);
      await expectBudget(pool, alice, 2n, terms.amountPerEpoch, BudgetStatus.Open);
      await expectConservation(pool, token, [alice], []);
    });

    it("subscribeBySignature: a permit front-run on the token still subscribes the reader", async () => {
      const {
        pool,
        alice,
        relayer,
        terms,
        permit: p,
        signature,
        frontRun,
      } = await networkHelpers.loadFixture(permitFixture);
      await frontRun();
      await expect(pool.connect(relayer).subscribeBySignature(terms, p, signature)).to.emit(pool, "Subscribed");
      await expectBudget(pool, alice, 0n, terms.amountPerEpoch, BudgetStatus.Open);
    });

    it("subscribeBySignature: a caller changing any signed term is refused with InvalidIntentSignature", async () => {
      const { pool, alice, relayer, terms, permit: p, signature } = await networkHelpers.loadFixture(permitFixture);
      for (const [field, changed] of tamperings(terms)) {
        await expect(pool.connect(relayer).subscribeBySignature(changed, p, signature), field)
          .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
          .withArgs(alice.address);
      }
    });

    it("subscribeBySignature: signed terms are used once (InvalidIntentNonce)", async () => {
      const { pool, alice, relayer, terms, permit: p, signature } = await networkHelpers.loadFixture(permitFixture);
      await pool.connect(relayer).subscribeBySignature(terms, p, signature);
      await expect(pool.connect(relayer).subscribeBySignature(terms, NO_PERMIT, signature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
        .withArgs(alice.address, 1n, 0n);
    });

    it("subscribeBySignature: refuses expired terms with IntentExpired", async () => {
      const { pool, relayer, terms, permit: p, signature } = await networkHelpers.loadFixture(permitFixture);
      await networkHelpers.time.setNextBlockTimestamp(terms.deadline);
      await expect(pool.connect(relayer).subscribeBySignature(terms, p, signature))
        .to.be.revertedWithCustomError(pool, "IntentExpired")
        .withArgs(terms.deadline, terms.deadline);
    });
  });
}

describe("PlauditPool subscribeBySignature without a permit", () => {
  it("subscribeBySignature: pulls against an allowance in place on the USDT-like token (no return values)", async () => {
    const f = await networkHelpers.loadFixture(deployFlavoursFixture);
    const { pools, tokens, alice, relayer } = f;
    const terms = await f.termsFor("usdt", alice, await amounts(f, "usdt"));
    await tokens.usdt.connect(alice).approve(pools.usdt, subscriptionValue(terms));
    const signature = await signSubscription(alice, await f.poolDomain("usdt"), terms);
    await expect(pools.usdt.connect(relayer).subscribeBySignature(terms, NO_PERMIT, signature)).to.changeTokenBalances(
      ethers,
      tokens.usdt,
      [alice, relayer],
      [-subscriptionValue(terms), terms.relayerFee],
    );
    await expectBudget(pools.usdt, alice, 0n, terms.amountPerEpoch, BudgetStatus.Open);
  });

  it("subscribeBySignature: a permit naming another spender leaves the pool without allowance", async () => {
    const f = await networkHelpers.loadFixture(deployFlavoursFixture);
    const { pools, tokens, alice, relayer, stranger } = f;
    const terms = await f.termsFor("musd", alice, await amounts(f, "musd"));
    const domain = domainFromEip712Domain((await tokens.musd.eip712Domain()) as unknown as Eip712DomainResult);
    const toStranger = await signPermit(alice, domain, {
      owner: alice.address as Address,
      spender: stranger.address as Address,
      value: subscriptionValue(terms),
      nonce: 0n,
      deadline: terms.deadline,
    });
    const signature = await signSubscription(alice, await f.poolDomain("musd"), terms);
    await expect(
      pools.musd
        .connect(relayer)
        .subscribeBySignature(
          terms,
          tokenPermit(PermitKind.Eip2612, toStranger, { deadline: terms.deadline }),
          signature,
        ),
    ).to.be.revertedWithCustomError(tokens.musd, "ERC20InsufficientAllowance");
  });

  it("subscribeBySignature: an ERC-1271 wallet reader's terms are checked by the wallet", async () => {
    const f = await networkHelpers.loadFixture(deployFlavoursFixture);
    const { pools, tokens, deployer: owner, relayer, stranger } = f;
    const wallet = await ethers.deployContract("MockERC1271Wallet", [owner.address]);
    await tokens.musd.mint(wallet, 1000n * unit(6n));
    await wallet.connect(owner).approve(tokens.musd, pools.musd, ethers.MaxUint256);
    const terms = await f.termsFor("musd", wallet, await amounts(f, "musd"));
    const domain = await f.poolDomain("musd");
    await expect(
      pools.musd
        .connect(relayer)
        .subscribeBySignature(terms, NO_PERMIT, await signSubscription(stranger, domain, terms)),
    )
      .to.be.revertedWithCustomError(pools.musd, "InvalidIntentSignature")
      .withArgs(await wallet.getAddress());
    await pools.musd
      .connect(relayer)
      .subscribeBySignature(terms, NO_PERMIT, await signSubscription(owner, domain, terms));
    await expectBudget(pools.musd, await wallet.getAddress(), 0n, terms.amountPerEpoch, BudgetStatus.Open);
  });
});
