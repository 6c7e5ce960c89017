import { describe, expect, it } from "vitest";

import { ensCoinType, ensLookupFor, looksLikeEnsName } from "./ens.js";

describe("ENS in the dApp", () => {
  it("has no lookup at all when the deployment names no ENS RPC", () => {
    expect(ensLookupFor({ chainId: 31337 })).toBeUndefined();
    expect(ensLookupFor({ chainId: 8453, ensRpcUrl: undefined })).toBeUndefined();
    expect(typeof ensLookupFor({ chainId: 8453, ensRpcUrl: "https://eth.example/" })).toBe("function");
  });

  it("uses ETH's coin type on mainnet and the chain's ENSIP-19 coin type elsewhere", () => {
    expect(ensCoinType(1)).toBe(60n);
    expect(ensCoinType(10)).toBe(2147483658n);
    expect(ensCoinType(8453)).toBe(0x80002105n);
  });

  it("tells an ENS name from other text of a creator route", () => {
    for (const name of ["ada.eth", "blog.ada.eth", "café.eth"]) expect(looksLikeEnsName(name)).toBe(true);
    for (const text of ["ada", "0x12", "ada .eth", "ada.eth/x", ".eth", "ada..eth"])
      expect(looksLikeEnsName(text)).toBe(false);
  });
});
