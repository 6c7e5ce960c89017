/**
 * Cancel, withdraw and revoke by the reader's signature, submitted by anyone: funds only ever go to the
 * reader, the caller gets exactly the signed fee, nonces and deadlines hold, ERC-1271 wallets sign too.
 * On the USDT-like token, whose transfers return nothing.
 */
import { expect } from "chai";
import type { Address } from "viem";

import type { CancellationMessage } from "@plaudit/protocol";
import { ethers, networkHelpers } from "../helpers/fixtures.js";
import { BudgetStatus, expectBudget, expectConservation } from "../helpers/pool.js";
import {
  deployFlavoursFixture,
  HOUR,
  signCancellation,
  signRevocation,
  signWithdrawal,
  unit,
} from "../helpers/tokens.js";

const USDT = unit(6n);
const BUDGET = 10n * USDT;
const FEE = USDT / 5n;

/** Alice subscribed on the USDT-like pool for epochs 1 to 3, bought before epoch 0 starts. */
async function subscribedFixture() {
  const f = await deployFlavoursFixture();
  const pool = f.pools.usdt;
  const token = f.tokens.usdt;
  await token.connect(f.alice).approve(pool, 3n * BUDGET);
  await pool.connect(f.alice).subscribe(BUDGET, 3n, 1n);
  const domain = await f.poolDomain("usdt");
  const deadline = async () => BigInt(await networkHelpers.time.latest()) + HOUR;
  const cancellation = async (fields: Partial<CancellationMessage> = {}): Promise<CancellationMessage> => ({
    reader: f.alice.address as Address,
    fromEpoch: 1n,
    relayerFee: FEE,
    nonce: await pool.intentNonceOf(f.alice),
    deadline: await deadline(),
    ...fields,
  });
  return { ...f, pool, token, domain, deadline, cancellation };
}

describe("PlauditPool signed intents", () => {
  it("cancelBySignature: refunds the reader, pays the caller the signed fee, whoever submits it", async () => {
    const { pool, token, alice, relayer, domain, cancellation } = await networkHelpers.loadFixture(subscribedFixture);
    const message = await cancellation();
    const refund = 3n * BUDGET;
    const tx = pool.connect(relayer).cancelBySignature(message, await signCancellation(alice, domain, message));
    await expect(tx).to.changeTokenBalances(ethers, token, [alice, relayer, pool], [refund - FEE, FEE, -refund]);
    await expect(tx)
      .to.emit(pool, "Cancelled")
      .withArgs(alice.address, 1n, 4n, refund)
      .and.to.emit(pool, "IntentExecuted")
      .withArgs(alice.address, 0n, relayer.address, FEE);
    await expectBudget(pool, alice, 1n, 0n, BudgetStatus.Open);
    await expectConservation(pool, token, [alice], []);
  });

  it("cancelBySignature: a caller changing the epoch or the fee is refused with InvalidIntentSignature", async () => {
    const { pool, alice, relayer, domain, cancellation } = await networkHelpers.loadFixture(subscribedFixture);
    const message = await cancellation();
    const signature = await signCancellation(alice, domain, message);
    for (const changed of [
      { ...message, fromEpoch: 2n },
      { ...message, relayerFee: FEE + 1n },
    ]) {
      await expect(pool.connect(relayer).cancelBySignature(changed, signature))
        .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
        .withArgs(alice.address);
    }
  });

  it("cancelBySignature: refuses a fee above the refund with RelayerFeeExceedsPayout", async () => {
    const { pool, alice, relayer, domain, cancellation } = await networkHelpers.loadFixture(subscribedFixture);
    const message = await cancellation({ fromEpoch: 3n, relayerFee: BUDGET + 1n });
    await expect(pool.connect(relayer).cancelBySignature(message, await signCancellation(alice, domain, message)))
      .to.be.revertedWithCustomError(pool, "RelayerFeeExceedsPayout")
      .withArgs(BUDGET + 1n, BUDGET);
  });

  it("cancelBySignature: refuses a replayed, an out-of-order and an expired intent", async () => {
    const { pool, alice, relayer, domain, cancellation } = await networkHelpers.loadFixture(subscribedFixture);
    const ahead = await cancellation({ nonce: 1n, fromEpoch: 3n });
    await expect(pool.connect(relayer).cancelBySignature(ahead, await signCancellation(alice, domain, ahead)))
      .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
      .withArgs(alice.address, 0n, 1n);
    const first = await cancellation({ fromEpoch: 3n });
    const signature = await signCancellation(alice, domain, first);
    await pool.connect(relayer).cancelBySignature(first, signature);
    await expect(pool.connect(relayer).cancelBySignature(first, signature))
      .to.be.revertedWithCustomError(pool, "InvalidIntentNonce")
      .withArgs(alice.address, 1n, 0n);
    const late = await cancellation({ fromEpoch: 2n });
    const lateSignature = await signCancellation(alice, domain, late);
    await networkHelpers.time.setNextBlockTimestamp(late.deadline);
    await expect(pool.connect(relayer).cancelBySignature(late, lateSignature))
      .to.be.revertedWithCustomError(pool, "IntentExpired")
      .withArgs(late.deadline, late.deadline);
  });

  it("withdrawBySignature: returns the expired budgets to the reader, less the signed fee to the caller", async () => {
    const { pool, token, alice, relayer, domain, deadline, goToEpoch } =
      await networkHelpers.loadFixture(subscribedFixture);
    await goToEpoch(4n); // epochs 1 and 2 expired unsettled
    const message = { reader: alice.address as Address, relayerFee: FEE, nonce: 0n, deadline: await deadline() };
    const tx = pool.connect(relayer).withdrawBySignature(message, await signWithdrawal(alice, domain, message));
    await expect(tx).to.changeTokenBalances(ethers, token, [alice, relayer], [2n * BUDGET - FEE, FEE]);
    await expect(tx)
      .to.emit(pool, "BudgetsReturned")
      .withArgs(alice.address, 2n, 2n * BUDGET);
    await expectBudget(pool, alice, 2n, BUDGET, BudgetStatus.Returned);
  });

  it("revokeSessionsBySignature: moves the reader's session nonce on, once per signature", async () => {
    const { pool, alice, relayer, stranger, domain, deadline } = await networkHelpers.loadFixture(subscribedFixture);
    const message = { reader: alice.address as Address, nonce: 0n, deadline: await deadline() };
    await expect(
      pool.connect(relayer).revokeSessionsBySignature(message, await signRevocation(stranger, domain, message)),
    )
      .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
      .withArgs(alice.address);
    const signature = await signRevocation(alice, domain, message);
    await expect(pool.connect(relayer).revokeSessionsBySignature(message, signature))
      .to.emit(pool, "SessionsRevoked")
      .withArgs(alice.address, 1)
      .and.to.emit(pool, "IntentExecuted")
      .withArgs(alice.address, 0n, relayer.address, 0n);
    expect(await pool.sessionNonceOf(alice)).to.equal(1n);
    await expect(pool.connect(relayer).revokeSessionsBySignature(message, signature)).to.be.revertedWithCustomError(
      pool,
      "InvalidIntentNonce",
    );
  });

  it("signed intents: an ERC-1271 wallet reader signs through its wallet, which may withdraw its consent", async () => {
    const f = await networkHelpers.loadFixture(subscribedFixture);
    const { pools, tokens, deployer: owner, relayer, deadline } = f;
    const pool = pools.musd;
    const wallet = await ethers.deployContract("MockERC1271Wallet", [owner.address]);
    const reader = (await wallet.getAddress()) as Address;
    await tokens.musd.mint(wallet, 3n * BUDGET);
    await wallet.connect(owner).approve(tokens.musd, pool, ethers.MaxUint256);
    await wallet.connect(owner).execute(pool, pool.interface.encodeFunctionData("subscribe", [BUDGET, 3n, 1n]));
    const poolDomain = await f.poolDomain("musd");
    const message = { reader, fromEpoch: 3n, relayerFee: 0n, nonce: 0n, deadline: await deadline() };
    const signature = await signCancellation(owner, poolDomain, message);
    await wallet.connect(owner).setAccepting(false);
    await expect(pool.connect(relayer).cancelBySignature(message, signature))
      .to.be.revertedWithCustomError(pool, "InvalidIntentSignature")
      .withArgs(reader);
    await wallet.connect(owner).setAccepting(true);
    await expect(pool.connect(relayer).cancelBySignature(message, signature)).to.changeTokenBalances(
      ethers,
      tokens.musd,
      [reader, relayer],
      [BUDGET, 0n],
    );
  });
});
