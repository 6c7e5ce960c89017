import { getAddress, verifyTypedData, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it, vi } from "vitest";

import type { KeeperClient, SignedProfile } from "@plaudit/protocol";
import type { EnsLookup } from "../lib/ens.js";
import { scope, signedProfileBy } from "../testing/fixtures.js";
import { fetchVerifiedProfile, primaryEnsName } from "./useCreatorProfile.js";

/** The chain client's check for an EOA: ECDSA recovery (what viem's public action accepts for an EOA). */
const chain: Pick<PublicClient, "verifyTypedData"> = { verifyTypedData: (args) => verifyTypedData(args) };

function keeperServing(profile: SignedProfile | null): Pick<KeeperClient, "getProfile"> {
  return { getProfile: async () => profile };
}

describe("fetchVerifiedProfile", () => {
  const creator = privateKeyToAccount(generatePrivateKey());

  it("shows an EOA creator's profile once its signature verifies", async () => {
    const profile = await signedProfileBy(creator);
    expect(await fetchVerifiedProfile(keeperServing(profile), chain, scope.chainId, creator.address)).toEqual({
      status: "verified",
      profile,
    });
  });

  it("does not show a profile the keeper altered after the creator signed it", async () => {
    const signed = await signedProfileBy(creator, { version: 4n });
    const tampered = { ...signed, name: "Ada's impostor" };
    const lookup = await fetchVerifiedProfile(keeperServing(tampered), chain, scope.chainId, creator.address);
    expect(lookup).toEqual({ status: "unverified", reason: "its signature is not the creator's", version: 4n });
  });

  it("does not show another creator's profile, nor one signed for another chain", async () => {
    const other = privateKeyToAccount(generatePrivateKey());
    const theirs = await signedProfileBy(other);
    expect((await fetchVerifiedProfile(keeperServing(theirs), chain, scope.chainId, creator.address)).status).toBe(
      "unverified",
    );
    const mine = await signedProfileBy(creator);
    expect((await fetchVerifiedProfile(keeperServing(mine), chain, scope.chainId + 1, creator.address)).status).toBe(
      "unverified",
    );
  });

  it("finds no profile when the keeper has none or there is no keeper, without asking the chain", async () => {
    const verify = vi.fn(chain.verifyTypedData);
    expect(await fetchVerifiedProfile(keeperServing(null), { verifyTypedData: verify }, 1, creator.address)).toEqual({
      status: "none",
    });
    expect(await fetchVerifiedProfile(undefined, { verifyTypedData: verify }, 1, creator.address)).toEqual({
      status: "none",
    });
    expect(verify).not.toHaveBeenCalled();
  });
});

describe("primaryEnsName", () => {
  const address = getAddress("0x00000000000000000000000000000000000000a1");

  it("makes no lookup without an ENS RPC", async () => {
    expect(await primaryEnsName(undefined, address)).toBeNull();
  });

  it("asks the deployment's ENS lookup for the address's name", async () => {
    const nameOf = vi.fn(async () => "ada.eth");
    const lookup: EnsLookup = { nameOf, addressOf: async () => null };
    expect(await primaryEnsName(async () => lookup, address)).toBe("ada.eth");
    expect(nameOf).toHaveBeenCalledWith(address);
  });
});
