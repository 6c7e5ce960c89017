/**
 * The creator's name for the button, loaded after the button's first paint (main.ts imports this module
 * dynamically, so none of it weighs on the first load): the keeper's stored profile of the button's
 * creator (`GET /v1/creators/:address/profile`), parsed with the protocol's schema, and shown only when
 * the creator signed it for this chain: ECDSA recovery here for an EOA, else ERC-1271 (or ERC-6492)
 * through the chain (`verifyProfile`). Anything else (no profile, a keeper that is down or answers
 * nonsense, another creator's or another chain's profile, a forged signature) shows no name at all. ENS
 * is never resolved here: the button frame sits on any site and must not leak its reader to more parties.
 * The name goes into the frame as text (`textContent`), never as HTML.
 */
import { recoverTypedDataAddress, type Address, type PublicClient } from "viem";

import { parseDeployment } from "../config/deployment.js";
import { publicClientFor } from "../lib/browserEnv.js";
import {
  profileMessage,
  profileTypedData,
  signedProfileSchema,
  verifyProfile,
  type SignedProfile,
} from "@plaudit/protocol";

/** How long the button waits for the keeper's profile before it does without a name. */
export const PROFILE_TIMEOUT_MS = 8_000;
/** Far above the largest valid profile (a 64-character name, a 500-character bio, 10 URLs of 512): larger is refused unread. */
export const MAX_PROFILE_BYTES = 32 * 1024;

export interface ProfileSource {
  fetch: typeof fetch;
  keeperUrl: string;
  /** The deployment's chain: a profile signed for another chain is not shown. */
  chainId: number;
  /** For a creator that is a contract (ERC-1271); an EOA's signature is checked without it. */
  client: Pick<PublicClient, "verifyTypedData">;
}

/** Whether `profile`'s creator signed it: recovered here for an EOA, through the chain for a contract. */
export async function signedByCreator(client: ProfileSource["client"], profile: SignedProfile): Promise<boolean> {
  try {
    const typed = profileTypedData(profile.chainId, profileMessage(profile));
    const signer = await recoverTypedDataAddress({
      ...typed,
      message: { ...typed.message, links: [...typed.message.links] },
      signature: profile.signature as `0x${string}`,
    });
    if (BigInt(signer) === BigInt(profile.creator)) return true;
  } catch {
    // Not a 65-byte ECDSA signature: a contract's, checked below.
  }
  try {
    return await verifyProfile(client, profile);
  } catch {
    return false;
  }
}

/** The creator's display name if the keeper serves a profile `creator` signed for this chain; else undefined. */
export async function verifiedCreatorName(source: ProfileSource, creator: Address): Promise<string | undefined> {
  const root = source.keeperUrl.replace(/\/+$/, "");
  let text: string;
  try {
    const response = await source.fetch(`${root}/v1/creators/${creator}/profile`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(PROFILE_TIMEOUT_MS),
    });
    if (!response.ok) return undefined;
    const length = Number(response.headers.get("content-length") ?? "0");
    if (length > MAX_PROFILE_BYTES) return undefined;
    text = await response.text();
  } catch {
    return undefined;
  }
  if (text.length > MAX_PROFILE_BYTES) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = signedProfileSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const profile = parsed.data;
  if (BigInt(profile.creator) !== BigInt(creator) || profile.chainId !== source.chainId) return undefined;
  return (await signedByCreator(source.client, profile)) ? profile.name : undefined;
}

/** What the button's creator line needs of an element: text and a tooltip, nothing that parses HTML. */
export interface TextSlot {
  textContent: string | null;
  title: string;
}

/** Shows a verified name in the creator link (`by <name>`) and its tooltip, as text. */
export function showCreatorName(link: TextSlot, name: string): void {
  link.textContent = `by ${name}`;
  link.title = `${name}: their page on Plaudit (opens a new window)`;
}

/**
 * Fills `link` with the creator's name once verified (main.ts calls this after first paint) and returns
 * the name; leaves it as it is when there is no keeper, no profile, or none the creator signed.
 */
export async function showVerifiedCreator(
  configText: string,
  creator: Address,
  link: TextSlot,
): Promise<string | undefined> {
  const deployment = parseDeployment(configText);
  if (deployment.keeperUrl === undefined) return undefined;
  const name = await verifiedCreatorName(
    {
      fetch: (...args) => fetch(...args),
      keeperUrl: deployment.keeperUrl,
      chainId: deployment.chainId,
      client: publicClientFor(deployment),
    },
    creator,
  );
  if (name !== undefined) showCreatorName(link, name);
  return name;
}
