import { getAddress } from "viem";
import { describe, expect, it } from "vitest";

import type { RelayPolicy } from "@plaudit/protocol";
import { scope } from "../testing/fixtures.js";
import { intentRoute } from "./useRelay.js";

const policy: RelayPolicy = {
  enabled: true,
  relayer: getAddress("0x00000000000000000000000000000000000000fe"),
  chainId: scope.chainId,
  pool: scope.pool,
  token: getAddress("0x00000000000000000000000000000000000070c1"),
  actions: ["cancel", "withdraw", "revoke-sessions"],
  minRelayerFee: 0n,
  maxFeePerGas: 1n,
  limits: { perAccountPerHour: 1, perIpPerHour: 1 },
};

describe("intentRoute", () => {
  it("sends from the wallet of a reader who can pay gas, even where a relay is there", () => {
    expect(intentRoute(true, policy, "cancel")).toBe("wallet");
    expect(intentRoute(true, undefined, "cancel")).toBe("wallet");
  });

  it("relays for a reader without gas the actions the relay takes", () => {
    expect(intentRoute(false, policy, "withdraw")).toBe("relay");
    expect(intentRoute(false, policy, "revoke-sessions")).toBe("relay");
  });

  it("says a reader without gas needs some when no relay takes the action", () => {
    expect(intentRoute(false, policy, "claim")).toBe("needs-gas");
    expect(intentRoute(false, undefined, "cancel")).toBe("needs-gas");
  });
});
