import { getAddress } from "viem";
import { describe, expect, it, vi } from "vitest";

import { KeeperError, type RelayPolicy } from "@plaudit/protocol";
import { fakeRelay, scope } from "../testing/fixtures.js";
import { relayAndFollow, RelayFailedError, relays, RelayStillPendingError, usableRelay } from "./relay.js";

const token = getAddress("0x00000000000000000000000000000000000070c1");
const deployment = { chainId: scope.chainId, pool: scope.pool, token };
const policy: RelayPolicy = {
  enabled: true,
  relayer: getAddress("0x00000000000000000000000000000000000000fe"),
  chainId: scope.chainId,
  pool: scope.pool,
  token,
  actions: ["subscribe-with-authorization", "cancel", "claim"],
  minRelayerFee: 10_000n,
  maxFeePerGas: 50_000_000_000n,
  limits: { perAccountPerHour: 12, perIpPerHour: 60 },
};
const claim = { creator: getAddress("0x00000000000000000000000000000000000000a1") };
/** Follows without waiting: each wait advances a fake clock by its length. */
function fakeTime() {
  let t = 0;
  return { now: () => t, wait: async (ms: number) => void (t += ms) };
}

describe("usableRelay", () => {
  it("takes a switched-on relay of this chain, pool and token, whatever the case of its addresses", () => {
    expect(usableRelay(policy, deployment)).toBe(policy);
    expect(usableRelay({ ...policy, pool: scope.pool.toLowerCase() as typeof scope.pool }, deployment)).toBeDefined();
  });

  it("refuses a relay that is off, or serves another chain, pool or token", () => {
    expect(usableRelay(undefined, deployment)).toBeUndefined();
    expect(usableRelay({ ...policy, enabled: false }, deployment)).toBeUndefined();
    expect(usableRelay({ ...policy, chainId: 1 }, deployment)).toBeUndefined();
    expect(usableRelay({ ...policy, pool: token }, deployment)).toBeUndefined();
    expect(usableRelay({ ...policy, token: scope.pool }, deployment)).toBeUndefined();
  });

  it("knows which actions the relay takes", () => {
    expect(relays(policy, "cancel")).toBe(true);
    expect(relays(policy, "withdraw")).toBe(false);
    expect(relays(undefined, "claim")).toBe(false);
  });
});

describe("relayAndFollow", () => {
  it("posts the request, reports the keeper's hash, and follows it until it is confirmed", async () => {
    const relay = fakeRelay(["pending", "pending", "confirmed"]);
    const onSent = vi.fn();
    const done = await relayAndFollow(relay.client, "claim", claim, onSent, fakeTime());
    expect(relay.posted).toEqual([{ action: "claim", body: claim }]);
    expect(onSent).toHaveBeenCalledWith(relay.hash);
    expect(done).toMatchObject({ hash: relay.hash, status: "confirmed", blockNumber: 7n });
    expect(relay.state.polls).toBe(3);
  });

  it("fails when the relayed transaction failed on chain", async () => {
    const relay = fakeRelay(["pending", "failed"]);
    await expect(relayAndFollow(relay.client, "claim", claim, () => undefined, fakeTime())).rejects.toBeInstanceOf(
      RelayFailedError,
    );
  });

  it("stops following after its time and says the transaction is still pending", async () => {
    const relay = fakeRelay(["pending"]);
    const error = await relayAndFollow(relay.client, "claim", claim, () => undefined, {
      ...fakeTime(),
      pollMs: 1_000,
      followMs: 5_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayStillPendingError);
    expect(relay.state.polls).toBe(6);
  });

  it("passes the keeper's refusal on, with its code, and reports nothing sent", async () => {
    const relay = fakeRelay();
    relay.state.refuseWith = { status: 422, code: "fee_below_policy" };
    const onSent = vi.fn();
    const error = await relayAndFollow(relay.client, "claim", claim, onSent, fakeTime()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeeperError);
    expect(error).toMatchObject({ code: "fee_below_policy", status: 422 });
    expect(onSent).not.toHaveBeenCalled();
  });
});
