import { getAddress, type PublicClient } from "viem";
import { describe, expect, it, vi } from "vitest";

import { ensLookupWith } from "./ensClient.js";

const ada = getAddress("0x00000000000000000000000000000000000000a1");
/** Base's ENSIP-11 coin type: 0x80000000 | 8453. */
const BASE_COIN_TYPE = 0x80002105n;

function mainnetClient(names: Record<string, string | null> = {}, addresses: Record<string, string | null> = {}) {
  const getEnsName = vi.fn(async ({ coinType }: { coinType?: bigint }) => names[String(coinType)] ?? null);
  const getEnsAddress = vi.fn(async ({ coinType }: { coinType?: bigint }) => addresses[String(coinType)] ?? null);
  return { getEnsName, getEnsAddress } as unknown as Pick<PublicClient, "getEnsName" | "getEnsAddress"> & {
    getEnsName: typeof getEnsName;
    getEnsAddress: typeof getEnsAddress;
  };
}

describe("ensLookupWith", () => {
  it("reads an L2 creator's primary name with the L2's ENSIP-19 coin type", async () => {
    const client = mainnetClient({ [String(BASE_COIN_TYPE)]: "ada.eth" });
    expect(await ensLookupWith(client, 8453).nameOf(ada)).toBe("ada.eth");
    expect(client.getEnsName).toHaveBeenCalledWith({ address: ada, coinType: BASE_COIN_TYPE });
  });

  it("reads a mainnet creator's name with ETH's coin type, 60", async () => {
    const client = mainnetClient({ "60": "ada.eth" });
    expect(await ensLookupWith(client, 1).nameOf(ada)).toBe("ada.eth");
    expect(client.getEnsName).toHaveBeenCalledWith({ address: ada, coinType: 60n });
  });

  it("shows no name longer than a name a person picks", async () => {
    const client = mainnetClient({ "60": `${"a".repeat(300)}.eth` });
    expect(await ensLookupWith(client, 1).nameOf(ada)).toBeNull();
  });

  it("shows no reverse record that is not a name in normal form (markup, invisible characters, capitals)", async () => {
    for (const record of ["<img src=x onerror=alert(1)>.eth", "ad\u202ea.eth", "Ada.eth"]) {
      const client = mainnetClient({ "60": record });
      expect(await ensLookupWith(client, 1).nameOf(ada)).toBeNull();
    }
    expect(await ensLookupWith(mainnetClient({ "60": "ada.eth" }), 1).nameOf(ada)).toBe("ada.eth");
  });

  it("resolves a normalised name for the pool's chain, else its ETH address, and names nobody for an invalid name", async () => {
    const client = mainnetClient({}, { "60": ada });
    const lookup = ensLookupWith(client, 8453, (name) => {
      if (name.includes("!")) throw new Error("disallowed character");
      return name.toLowerCase();
    });
    expect(await lookup.addressOf("Ada.eth")).toBe(ada);
    expect(client.getEnsAddress.mock.calls.map(([args]) => args)).toEqual([
      { name: "ada.eth", coinType: BASE_COIN_TYPE },
      { name: "ada.eth", coinType: 60n },
    ]);
    expect(await lookup.addressOf("ad!a.eth")).toBeNull();
    expect(client.getEnsAddress).toHaveBeenCalledTimes(2);
  });
});
