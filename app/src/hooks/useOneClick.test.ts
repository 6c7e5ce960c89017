import { verifyTypedData } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";

import { epochBounds, MAX_SUBSCRIPTION_EPOCHS, plauditDomain, sessionTypedData } from "@plaudit/protocol";
import { loadSession } from "../lib/session.js";
import { memoryStore } from "../lib/storage.js";
import { readerWithSession, schedule, scope } from "../testing/fixtures.js";
import {
  budgetCoverage,
  enableOneClick,
  oneClickMonthsProblem,
  oneClickStatus,
  type SessionDelegation,
} from "./useOneClick.js";
import type { EpochBudget } from "./useReader.js";

const budget = (epoch: bigint, amount: bigint, status: EpochBudget["status"] = "Open"): EpochBudget => ({
  epoch,
  amount,
  status,
  sessionNonce: 0,
});

describe("oneClickStatus", () => {
  it("is off without a key, on while the key covers this month and its nonce is current", async () => {
    const { session } = await readerWithSession(3);
    expect(oneClickStatus(undefined, epochBounds(schedule, 0n).end, 0)).toEqual({ kind: "off" });
    expect(oneClickStatus(session, epochBounds(schedule, 2n).end, 0)).toEqual({ kind: "on", session });
    // Before the nonce is read, a key is taken as it is.
    expect(oneClickStatus(session, epochBounds(schedule, 0n).end, undefined).kind).toBe("on");
  });

  it("has expired once the current month ends after the key's expiry", async () => {
    const { session } = await readerWithSession(3);
    expect(oneClickStatus(session, epochBounds(schedule, 3n).end, 0)).toEqual({ kind: "expired", session });
  });

  it("is revoked once the pool's session nonce moved on, even before it expires", async () => {
    const { session } = await readerWithSession(3);
    expect(oneClickStatus(session, epochBounds(schedule, 0n).end, 1)).toEqual({ kind: "revoked", session });
    expect(oneClickStatus(session, epochBounds(schedule, 5n).end, 1).kind).toBe("revoked");
  });
});

describe("budgetCoverage", () => {
  it("is funded by an open budget of the current month", () => {
    expect(budgetCoverage([budget(0n, 1n), budget(1n, 5n)], 1n)).toEqual({ kind: "funded" });
  });

  it("names the first later month with a budget when this one has none", () => {
    expect(budgetCoverage([budget(0n, 5n, "Settled"), budget(3n, 5n), budget(2n, 5n)], 1n)).toEqual({
      kind: "later",
      from: 2n,
    });
  });

  it("is none without budgets, with only past, empty or returned ones", () => {
    expect(budgetCoverage([], 0n)).toEqual({ kind: "none" });
    expect(budgetCoverage([budget(0n, 5n), budget(1n, 0n), budget(2n, 5n, "Returned")], 1n)).toEqual({
      kind: "none",
    });
  });
});

describe("oneClickMonthsProblem", () => {
  it("takes 1 to the subscription maximum of whole months", () => {
    expect(oneClickMonthsProblem("1")).toBeUndefined();
    expect(oneClickMonthsProblem(String(MAX_SUBSCRIPTION_EPOCHS))).toBeUndefined();
    for (const months of ["0", "", "x", "1.5", String(MAX_SUBSCRIPTION_EPOCHS + 1)])
      expect(oneClickMonthsProblem(months)).toBe(`Choose 1 to ${MAX_SUBSCRIPTION_EPOCHS} months.`);
  });
});

describe("enableOneClick", () => {
  const delegation = (reader = privateKeyToAccount(generatePrivateKey()), nonce = 2) => {
    const store = memoryStore();
    const deps: SessionDelegation = {
      store,
      scope,
      schedule,
      now: () => 42,
      readNonce: async () => nonce,
      sign: (typedData) => reader.signTypedData(typedData),
    };
    return { reader, store, deps };
  };

  it("stores a key the reader delegated with the current nonce until the end of the last month", async () => {
    const { reader, store, deps } = delegation();
    const session = await enableOneClick(deps, reader.address, 4n, 2);
    expect(loadSession(store, scope, reader.address)).toEqual(session);
    expect(session).toMatchObject({ reader: reader.address, nonce: 2, createdAt: 42 });
    expect(BigInt(session.expiry)).toBe(epochBounds(schedule, 5n).end);
    const verified = await verifyTypedData({
      address: reader.address,
      ...sessionTypedData(plauditDomain(scope.chainId, scope.pool), {
        reader: reader.address,
        key: session.key,
        expiry: BigInt(session.expiry),
        nonce: 2,
      }),
      signature: session.signature,
    });
    expect(verified).toBe(true);
  });

  it("stores nothing when the wallet refuses to sign", async () => {
    const { reader, store, deps } = delegation();
    const refusing: SessionDelegation = {
      ...deps,
      sign: async () => {
        throw new Error("User rejected the request.");
      },
    };
    await expect(enableOneClick(refusing, reader.address, 0n, 1)).rejects.toThrow(/rejected/);
    expect(loadSession(store, scope, reader.address)).toBeUndefined();
  });
});
