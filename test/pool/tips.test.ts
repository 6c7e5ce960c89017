/**
 * One-off tips beside the budgets, through each funding path: `tip` (an allowance), `tipWithPermit`
 * (EIP-2612), `tipWithAuthorization` (EIP-3009, USDC- and PYUSD-like) and `tipBySignature` (a signed `Tip`
 * with an EIP-2612 or DAI permit, or an allowance on the USDT-like token). A tip is credited to the
 * creator's claimable balance at once with `Tipped`, never touches a budget, and the pool still holds
 * exactly its open budgets plus claimables.
 */
import { expect } from "chai";
import type { Address, TypedDataDomain } from "viem";

import {
  domainFromEip712Domain,
  NO_PERMIT,
  PermitKind,
  tipDigest,
  tipValue,
  tokenPermit,
  type Eip712DomainResult,
  type TipMessage,
} from "@plaudit/protocol";
import { ethers, networkHelpers } from "../helpers/fixtures.js";
import { BudgetStatus, expectBudget, expectConservation } from "../helpers/pool.js";
import {
  deployFlavoursFixture,
  HOUR,
  signDaiPermit,
  signPermit,
  signTip,
  signTipAuthorization,
  unit,
  type Flavour,
  type FlavoursFixture,
} from "../helpers/tokens.js";

/** Alice's budget per epoch, her tip and the relayer's fee, in whole tokens and tenths. */
const BUDGET = 10n;
const TIP = 3n;
const FEE_TENTHS = 2n;

/** Alice subscribed for one epoch on every flavour (her budget must stay untouched by tips). */
async function tipsFixture() {
  const f = await deployFlavoursFixture();
  for (const flavour of Object.keys(f.pools) as Flavour[]) {
    const one = unit(await f.tokens[flavour].decimals());
    await f.tokens[flavour].connect(f.alice).approve(f.pools[flavour], BUDGET * one);
    await f.pools[flavour].connect(f.alice).subscribe(BUDGET * one, 1n, 0n);
  }
  /** Tip terms from alice to creatorA on `flavour`, with her next intent nonce, valid for an hour. */
  async function tipTerms(flavour: Flavour, fields: Partial<TipMessage> = {}): Promise<TipMessage> {
    const one = unit(await f.tokens[flavour].decimals());
    return {
      reader: f.alice.address as Address,
      creator: f.creatorA.address as Address,
      amount: TIP * one,
      relayerFee: (FEE_TENTHS * one) / 10n,
      nonce: await f.pools[flavour].intentNonceOf(f.alice),
      deadline: BigInt(await networkHelpers.time.latest()) + HOUR,
      ...fields,
    };
  }
  return { ...f, tipTerms };
}

/** Alice's budget of epoch 0 is what she subscribed, open; the books balance. */
async function expectBudgetUntouched(f: FlavoursFixture, flavour: Flavour) {
  const one = unit(await f.tokens[flavour].decimals());
  await expectBudget(f.pools[flavour], f.alice, 0n, BUDGET * one, BudgetStatus.Open);
  await expectConservation(f.pools[flavour], f.tokens[flavour], [f.alice, f.bob], [f.creatorA, f.creatorB]);
}

/** The token's EIP-712 domain for its permit or authorization. */
async function tokenDomainOf(f: FlavoursFixture, flavour: Flavour): Promise<TypedDataDomain> {
  if (flavour === "musd") {
    return domainFromEip712Domain((await f.tokens.musd.eip712Domain()) as unknown as Eip712DomainResult);
  }
  if (flavour === "usdt") throw new Error("the USDT-like token has no permit");
  return f.tokenDomain(flavour);
}

describe("PlauditPool tip (allowance)", () => {
  it("tip: credits the creator's claimable balance at once, with Tipped, and leaves budgets alone", async () => {
    const f = await networkHelpers.loadFixture(tipsFixture);
    const { musd } = f.tokens;
    const pool = f.pools.musd;
    const amount = TIP * unit(await musd.decimals());
    await musd.connect(f.alice).approve(pool, amount);
    const tx = pool.connect(f.alice).tip(f.creatorA, amount);
    await expect(tx).to.changeTokenBalances(ethers, musd, [f.alice, pool], [-amount, amount]);
    await expect(tx).to.emit(pool, "Tipped").withArgs(f.alice.address, f.creatorA.address, amount);
    expect(await pool.claimableOf(f.creatorA)).to.equal(amount);
    await expectBudgetUntouched(f, "musd");
    await expect(pool.claim(f.creatorA)).to.changeTokenBalances(ethers, musd, [f.creatorA, pool], [amount, -amount]);
    await expectBudgetUntouched(f, "musd");
  });

  it("tip: adds to what settlement credited, and a creator may be tipped by anyone", async () => {
    const f = await networkHelpers.loadFixture(tipsFixture);
    const { musd } = f.tokens;
    const pool = f.pools.musd;
    await musd.connect(f.alice).approve(pool, 5n);
    await musd.connect(f.bob).approve(pool, 7n);
    await pool.connect(f.alice).tip(f.creatorB, 5n);
    await pool.connect(f.bob).tip(f.creatorB, 7n);
    expect(await pool.claimableOf(f.creatorB)).to.equal(12n);
    await expectBudgetUntouched(f, "musd");
  });

  it("tip: refuses zero, the zero address, the pool and its token as creator, and a missing allowance", async () => {
    const f = await networkHelpers.loadFixture(tipsFixture);
    const { musd } = f.tokens;
    const pool = f.pools.musd;
    await musd.connect(f.alice).approve(pool, 100n);
    await expect(pool.connect(f.alice).tip(f.creatorA, 0n)).to.be.revertedWithCustomError(pool, "ZeroAmount");
    for (const target of [ethers.ZeroAddress, await pool.getAddress(), await musd.getAddress()]) {
      await expect(pool.connect(f.alice).tip(target, 1n))
        .to.be.revertedWithCustomError(pool, "InvalidTipCreator")
        .withArgs(target);
    }
    await expect(pool.connect(f.bob).tip(f.creatorA, 1n)).to.be.revertedWithCustomError(
      musd,
      "ERC20InsufficientAllowance",
    );
    expect(await pool.claimableOf(f.creatorA)).to.equal(0n);
    await expectBudgetUntouched(f, "musd");
  });
});

describe("PlauditPool tipWithPermit (EIP-2612)", () => {
  async function signedPermit(f: FlavoursFixture, amount: bigint) {
    const pool = f.pools.musd;
    const deadline = BigInt(await networkHelpers.time.latest()) + HOUR;
    const signed = await signPermit(f.alice, await tokenDomainOf(f, "musd"), {
      owner: f.alice.address as Address,
      spender: (await pool.getAddress()) as Address,
      value: amount,
      nonce: await f.tokens.musd.nonces(f.alice),
      deadline,
    });
    return tokenPermit(PermitKind.Eip2612, signed, { deadline });
  }

  it("tipWithPermit: pulls exactly the tip on the caller's permit and credits the creator", async () => {
    const f = await networkHelpers.loadFixture(tipsFixture);
    const pool = f.pools.musd;
    const amount = TIP * unit(await f.tokens.musd.decimals());
    const { deadline, v, r, s } = await signedPermit(f, amount);
    const tx = pool.connect(f.alice).tipWithPermit(f.creatorA, amount, deadline, v, r, s);
    await expect(tx).to.changeTokenBalances(ethers, f.tokens.musd, [f.alice, pool], [-amount, amount]);
    await expect(tx).to.emit(pool, "Tipped").withArgs(f.alice.address, f.creatorA.address, amount);
    expect(await f.tokens.musd.allowance(f.alice, pool)).to.equal(0n);
    await expectBudgetUntouched(f, "musd");
  });

  it("tipWithPermit: a permit a front-runner used first still tips, on the allowance it set", async () => {
    const f = await networkHelpers.loadFixture(tipsFixture);
    const pool = f.pools.musd;
    const amount = TIP * unit(await f.tokens.musd.decimals());
    const { deadline, v, r, s } = await signedPermit(f, amount);
    await f.tokens.musd.connect(f.stranger).permit(f.alice, pool, amount, deadline, v, r, s);
    await pool.connect(f.alice).tipWithPermit(f.creatorA, amount, deadline, v, r, s);
    expect(await pool.claimableOf(f.creatorA)).to.equal(amount);
    await expectBudgetUntouched(f, "musd");
  });
});

for (const flavour of ["usdc", "pyusd"] as const) {
  describe(`PlauditPool tipWithAuthorization (EIP-3009, ${flavour}-like token)`, () => {
    async function authorizationFixture() {
      const f = await tipsFixture();
      const terms = await f.tipTerms(flavour);
      const signature = await signTipAuthorization(
        f.alice,
        await f.tokenDomain(flavour),
        await f.poolDomain(flavour),
        terms,
      );
      return { ...f, pool: f.pools[flavour], token: f.tokens[flavour], terms, signature };
    }

    it("tipWithAuthorization: credits the tip and pays the caller exactly the signed fee", async () => {
      const f = await networkHelpers.loadFixture(authorizationFixture);
      const { pool, token, alice, relayer, terms, signature } = f;
      const tx = pool.connect(relayer).tipWithAuthorization(terms, signature);
      await expect(tx).to.changeTokenBalances(
        ethers,
        token,
        [alice, relayer, pool],
        [-tipValue(terms), terms.relayerFee, terms.amount],
      );
      await expect(tx)
        .to.emit(pool, "Tipped")
        .withArgs(alice.address, terms.creator, terms.amount)
        .and.to.emit(pool, "IntentExecuted")
        .withArgs(alice.address, terms.nonce, relayer.address, terms.relayerFee);
      const digest = tipDigest(await f.poolDomain(flavour), terms);
      expect(await pool.tipDigest(terms)).to.equal(digest);
      expect(await token.authorizationState(alice, digest)).to.equal(true);
      expect(await pool.claimableOf(terms.creator)).to.equal(terms.amount);
      await expectBudgetUntouched(f, flavour);
    });

    it("tipWithAuthorization: a caller changing any signed term is refused by the token", async () => {
      const { pool, token, relayer, terms, signature, creatorB } =
        await networkHelpers.loadFixture(authorizationFixture);
      const changes: [string, TipMessage][] = [
        ["creator", { ...terms, creator: creatorB.address as Address }],
        ["amount", { ...terms, amount: terms.amount + 1n }],
        ["relayerFee", { ...terms, relayerFee: terms.relayerFee + 1n }],
        ["deadline", { ...terms, deadline: terms.deadline + 1n }],
      ];
      for (const [field, changed] of changes) {
        await expect(
          pool.connect(relayer).tipWithAuthorization(changed, signature),
          field,
        ).to.be.revertedWithCustomError(token, "InvalidSignature");
      }
    });

    it("tipWithAuthorization: is used once, and not after its deadline", async () => {
      const f = await networkHelpers.loadFixture(authorizationFixture);
      const { pool, alice, relayer, stranger, terms, signature } = f;
      await networkHelpers.time.increaseTo(terms.deadline);
      await expect(pool.connect(relayer).tipWithAuthorization(terms, signature)).to.be.revertedWithCustomError(
        pool,
        "IntentExpired",
      );
      const fresh = await f.tipTerms(flavour);
      const freshSignature = await signTipAuthorization(
        alice,
        await f.tokenDomain(flavour),
        await f.poolDomain(flavour),
        fresh,
      );
      await pool.connect(relayer).tipWithAuthorization(fresh, freshSignature);
      await expect(pool.connect(stranger).tipWithAuthorization(fresh, freshSignature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
        .withArgs(alice.address, fresh.nonce + 1n, fresh.nonce);
    });
  });
}

for (const { flavour, permit } of [
  { flavour: "musd", permit: "eip2612" },
  { flavour: "usdc", permit: "eip2612" },
  { flavour: "dai", permit: "dai" },
  { flavour: "usdt", permit: "none" },
] as const) {
  describe(`PlauditPool tipBySignature (${flavour}-like token, ${permit} permit)`, () => {
    async function signatureFixture() {
      const f = await tipsFixture();
      const pool = f.pools[flavour];
      const token = f.tokens[flavour];
      const terms = await f.tipTerms(flavour);
      const spender = (await pool.getAddress()) as Address;
      const owner = f.alice.address as Address;
      let permitStruct = NO_PERMIT;
      if (permit === "eip2612") {
        const signed = await signPermit(f.alice, await tokenDomainOf(f, flavour), {
          owner,
          spender,
          value: tipValue(terms),
          nonce: await f.tokens[flavour as "musd" | "usdc"].nonces(f.alice),
          deadline: terms.deadline,
        });
        permitStruct = tokenPermit(PermitKind.Eip2612, signed, { deadline: terms.deadline });
      } else if (permit === "dai") {
        const nonce = await f.tokens.dai.nonces(f.alice);
        const signed = await signDaiPermit(f.alice, await tokenDomainOf(f, "dai"), {
          holder: owner,
          spender,
          nonce,
          expiry: terms.deadline,
          allowed: true,
        });
        permitStruct = tokenPermit(PermitKind.Dai, signed, { deadline: terms.deadline, nonce });
      } else {
        await f.tokens.usdt.connect(f.alice).approve(pool, tipValue(terms));
      }
      const signature = await signTip(f.alice, await f.poolDomain(flavour), terms);
      return { ...f, pool, token, terms, permitStruct, signature };
    }

    it("tipBySignature: credits the tip through the reader's permit and pays the caller the signed fee", async () => {
      const f = await networkHelpers.loadFixture(signatureFixture);
      const { pool, token, alice, relayer, terms, permitStruct, signature } = f;
      const tx = pool.connect(relayer).tipBySignature(terms, permitStruct, signature);
      await expect(tx).to.changeTokenBalances(
        ethers,
        token,
        [alice, relayer, pool],
        [-tipValue(terms), terms.relayerFee, terms.amount],
      );
      await expect(tx)
        .to.emit(pool, "Tipped")
        .withArgs(alice.address, terms.creator, terms.amount)
        .and.to.emit(pool, "IntentExecuted")
        .withArgs(alice.address, terms.nonce, relayer.address, terms.relayerFee);
      expect(await pool.intentNonceOf(alice)).to.equal(terms.nonce + 1n);
      await expectBudgetUntouched(f, flavour);
    });

    it("tipBySignature: refuses a stranger's signature or changed terms, and a replay", async () => {
      const f = await networkHelpers.loadFixture(signatureFixture);
      const { pool, alice, relayer, stranger, terms, permitStruct, signature } = f;
      const forged = await signTip(stranger, await f.poolDomain(flavour), terms);
      await expect(pool.connect(relayer).tipBySignature(terms, permitStruct, forged))
        .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
        .withArgs(alice.address);
      const redirected = { ...terms, creator: stranger.address as Address };
      await expect(pool.connect(relayer).tipBySignature(redirected, permitStruct, signature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
        .withArgs(alice.address);
      await pool.connect(relayer).tipBySignature(terms, permitStruct, signature);
      await expect(pool.connect(relayer).tipBySignature(terms, permitStruct, signature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
        .withArgs(alice.address, terms.nonce + 1n, terms.nonce);
      expect(await pool.claimableOf(terms.creator)).to.equal(terms.amount);
      await expectBudgetUntouched(f, flavour);
    });
  });
}
