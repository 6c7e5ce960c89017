import { describe, expect, it } from "vitest";

import { getAddress, type Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { profileTypedData, type SignedProfileInput } from "@plaudit/protocol";
import { scope } from "../testing/fixtures.js";
import { showCreatorName, verifiedCreatorName, type ProfileSource, type TextSlot } from "./creatorProfile.js";

const keeperUrl = "http://keeper.test";
const creator = privateKeyToAccount(generatePrivateKey());
const contractCreator = getAddress("0x00000000000000000000000000000000000c0de1");

/** A profile of `of`, signed by `signer` (the creator itself unless a forgery is wanted). */
async function signedProfile(
  fields: Partial<SignedProfileInput> = {},
  signer = creator,
  of: Address = creator.address,
): Promise<SignedProfileInput> {
  const message = {
    creator: of,
    name: "Ada Lovelace",
    bio: "Notes on engines.",
    avatar: "",
    website: "https://ada.example/",
    links: [] as string[],
    version: 1n,
  };
  const chainId = fields.chainId ?? scope.chainId;
  const signature = await signer.signTypedData(profileTypedData(chainId, message));
  return { ...message, chainId, version: "1", signature, ...fields };
}

/** The keeper's profile route serving `body` for `of` (404 for anyone else), and what the chain was asked. */
function source(body: unknown, of: Address = creator.address, chainSays = false) {
  const chainAsked: Address[] = [];
  const requested: string[] = [];
  const src: ProfileSource = {
    keeperUrl,
    chainId: scope.chainId,
    fetch: async (input) => {
      requested.push(String(input));
      if (String(input) !== `${keeperUrl}/v1/creators/${of}/profile`)
        return Response.json({ error: { code: "not_found", message: "no profile" } }, { status: 404 });
      return Response.json(body);
    },
    // The chain's ERC-1271 check: says `chainSays` for the contract creator, false for anyone else.
    client: {
      verifyTypedData: async ({ address }) => {
        chainAsked.push(address);
        return chainSays && address === contractCreator;
      },
    },
  };
  return { src, chainAsked, requested };
}

describe("verifiedCreatorName", () => {
  it("shows the name of a profile the creator signed, checked without the chain for an EOA", async () => {
    const { src, chainAsked, requested } = source(await signedProfile());
    expect(await verifiedCreatorName(src, creator.address)).toBe("Ada Lovelace");
    expect(requested).toEqual([`${keeperUrl}/v1/creators/${creator.address}/profile`]);
    expect(chainAsked).toEqual([]);
  });

  it("shows no name when the profile was changed after signing, even if the chain is asked", async () => {
    const { src, chainAsked } = source({ ...(await signedProfile()), name: "Ada Lovelace (official)" });
    expect(await verifiedCreatorName(src, creator.address)).toBeUndefined();
    expect(chainAsked).toEqual([creator.address]);
  });

  it("shows no name signed by someone else, for another creator, or for another chain", async () => {
    const other = privateKeyToAccount(generatePrivateKey());
    expect(await verifiedCreatorName(source(await signedProfile({}, other)).src, creator.address)).toBeUndefined();
    const othersProfile = await signedProfile({}, other, other.address);
    expect(await verifiedCreatorName(source(othersProfile).src, creator.address)).toBeUndefined();
    const otherChain = await signedProfile({ chainId: scope.chainId + 1 });
    expect(await verifiedCreatorName(source(otherChain).src, creator.address)).toBeUndefined();
  });

  it("asks the chain (ERC-1271) about a contract creator's signature and shows the name only if it accepts", async () => {
    const signer = privateKeyToAccount(generatePrivateKey());
    const profile = await signedProfile({}, signer, contractCreator);
    const accepted = source(profile, contractCreator, true);
    expect(await verifiedCreatorName(accepted.src, contractCreator)).toBe("Ada Lovelace");
    expect(accepted.chainAsked).toEqual([contractCreator]);
    expect(await verifiedCreatorName(source(profile, contractCreator, false).src, contractCreator)).toBeUndefined();
  });

  it("shows no name with markup in it, even signed by the creator", async () => {
    const hostile = await signedProfile({ name: '<img src=x onerror="alert(1)">' });
    // Re-sign with the hostile name, so only the name's content is at fault.
    const { signature: _old, chainId, version: _version, ...rest } = hostile;
    const signature = await creator.signTypedData(
      profileTypedData(chainId, { ...rest, links: [...rest.links], version: 1n, creator: creator.address }),
    );
    expect(await verifiedCreatorName(source({ ...hostile, signature }).src, creator.address)).toBeUndefined();
  });

  it("shows no name when the keeper has none, is down, or answers too much", async () => {
    expect(await verifiedCreatorName(source(await signedProfile(), contractCreator).src, creator.address)).toBe(
      undefined,
    );
    const down: ProfileSource = {
      ...source(null).src,
      fetch: async () => {
        throw new TypeError("fetch failed");
      },
    };
    expect(await verifiedCreatorName(down, creator.address)).toBeUndefined();
    const huge = source({ ...(await signedProfile()), bio: "x".repeat(40_000) });
    expect(await verifiedCreatorName(huge.src, creator.address)).toBeUndefined();
  });
});

describe("showCreatorName", () => {
  it("writes the name as text only, never as markup", () => {
    let text: string | null = null;
    const slot: TextSlot & { innerHTML: string } = {
      get textContent() {
        return text;
      },
      set textContent(value) {
        text = value;
      },
      title: "",
      get innerHTML() {
        throw new Error("read as HTML");
      },
      set innerHTML(_value: string) {
        throw new Error("written as HTML");
      },
    };
    showCreatorName(slot, "Ada & <b>Co</b>");
    expect(slot.textContent).toBe("by Ada & <b>Co</b>");
    expect(slot.title).toBe("Ada & <b>Co</b>: their page on Plaudit (opens a new window)");
  });
});
