/**
 * A creator's public profile: an EIP-712 `Profile` the creator signs (an EOA, or an ERC-1271 wallet), so
 * any keeper may store and serve it and every client verifies it itself. A profile is about an address on
 * a chain, not about one pool: its domain is `Plaudit`, `1` and the chain id, without a verifying contract.
 * A higher `version` replaces a lower one. Names and texts are plain text, always rendered as text.
 */
import type { Address, Hex, PublicClient, TypedDataDomain } from "viem";
import { z } from "zod";

import { EIP712_DOMAIN_NAME, EIP712_DOMAIN_VERSION } from "./eip712.js";
import { addressSchema, signatureSchema } from "./schemas.js";
import { HIDDEN_OR_CONTROL } from "./text.js";

export { blankHiddenCharacters, isPlainText } from "./text.js";

/** Byte-exact EIP-712 type string of `Profile` (docs/protocol.md). */
export const PROFILE_TYPE_STRING =
  "Profile(address creator,string name,string bio,string avatar,string website,string[] links,uint64 version)";

export const profileTypes = {
  Profile: [
    { name: "creator", type: "address" },
    { name: "name", type: "string" },
    { name: "bio", type: "string" },
    { name: "avatar", type: "string" },
    { name: "website", type: "string" },
    { name: "links", type: "string[]" },
    { name: "version", type: "uint64" },
  ],
} as const;

/** Bounds of a profile's fields, in UTF-16 code units (what JavaScript's `length` counts). */
export const MAX_PROFILE_NAME_LENGTH = 64;
export const MAX_PROFILE_BIO_LENGTH = 500;
export const MAX_PROFILE_URL_LENGTH = 512;
export const MAX_PROFILE_LINKS = 8;

/** The profile domain: chain-bound (an ERC-1271 wallet lives on one chain), not pool-bound. */
export interface ProfileDomain {
  name: typeof EIP712_DOMAIN_NAME;
  version: typeof EIP712_DOMAIN_VERSION;
  chainId: number;
}

export function profileDomain(chainId: number): ProfileDomain {
  return { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, chainId };
}

export interface ProfileMessage {
  creator: Address;
  name: string;
  bio: string;
  avatar: string;
  website: string;
  links: readonly string[];
  version: bigint;
}

export function profileTypedData(chainId: number, message: ProfileMessage) {
  return {
    domain: profileDomain(chainId) satisfies TypedDataDomain,
    types: profileTypes,
    primaryType: "Profile",
    message,
  } as const;
}

/** The same, but a bio may break lines. */
const HIDDEN_OR_CONTROL_BUT_NEWLINE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/u;
/** Characters of markup: a name is a name, never HTML. */
const MARKUP = /[<>&"'`]/;

/** A creator's display name: 1 to 64 characters, no surrounding space, no controls, no markup. */
export const profileNameSchema = z
  .string()
  .min(1, "a name is required")
  .max(MAX_PROFILE_NAME_LENGTH, `at most ${MAX_PROFILE_NAME_LENGTH} characters`)
  .refine((v) => v.trim() === v, "no leading or trailing space")
  .refine((v) => !HIDDEN_OR_CONTROL.test(v), "no control or invisible characters")
  .refine((v) => !MARKUP.test(v), "no markup characters (< > & \" ' `)");

export const profileBioSchema = z
  .string()
  .max(MAX_PROFILE_BIO_LENGTH, `at most ${MAX_PROFILE_BIO_LENGTH} characters`)
  .refine((v) => !HIDDEN_OR_CONTROL_BUT_NEWLINE.test(v), "no control or invisible characters but line breaks");

/** Whether `value` is an absolute http(s) URL without credentials, written as its canonical form. */
export function isPlainHttpUrl(value: string): boolean {
  if (HIDDEN_OR_CONTROL.test(value) || /\s/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === "https:" || url.protocol === "http:") && url.username === "" && url.password === "";
}

/** An http(s) URL (no credentials, no spaces or controls), at most 512 characters. */
export const profileUrlSchema = z
  .string()
  .max(MAX_PROFILE_URL_LENGTH, `at most ${MAX_PROFILE_URL_LENGTH} characters`)
  .refine(isPlainHttpUrl, "not an http(s) URL (without credentials)");

/** The same, or "" for none. */
const optionalUrlSchema = z.union([z.literal(""), profileUrlSchema]);

const versionSchema = z
  .union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[0-9]{1,20}$/)])
  .transform((value) => BigInt(value))
  .refine((value) => value >= 1n && value < 2n ** 64n, { message: "a version is a uint64 from 1" });

/** A signed profile as a creator publishes it and a keeper serves it (JSON). */
export const signedProfileSchema = z.strictObject({
  chainId: z.number().int().positive(),
  creator: addressSchema,
  name: profileNameSchema,
  bio: profileBioSchema,
  avatar: optionalUrlSchema,
  website: optionalUrlSchema,
  links: z.array(profileUrlSchema).max(MAX_PROFILE_LINKS, `at most ${MAX_PROFILE_LINKS} links`),
  version: versionSchema,
  /** The creator's signature: 65 bytes of an EOA, or what its ERC-1271 wallet accepts (bounded). */
  signature: signatureSchema,
});
export type SignedProfileInput = z.input<typeof signedProfileSchema>;
export type SignedProfile = z.output<typeof signedProfileSchema>;

export function profileMessage(profile: SignedProfile): ProfileMessage {
  const { creator, name, bio, avatar, website, links, version } = profile;
  return { creator, name, bio, avatar, website, links, version };
}

/** JSON form of a parsed profile (the version as a decimal string), accepted back by the schema. */
export function toWireProfile(profile: SignedProfile): SignedProfileInput {
  return { ...profile, links: [...profile.links], version: profile.version.toString() };
}

/**
 * Whether the creator signed `profile`: ECDSA for an EOA, ERC-1271 (or ERC-6492) for a contract, as viem's
 * public-client `verifyTypedData` checks them, on `client`'s chain, which must be the profile's.
 */
export async function verifyProfile(
  client: Pick<PublicClient, "verifyTypedData">,
  profile: SignedProfile,
): Promise<boolean> {
  return client.verifyTypedData({
    address: profile.creator,
    domain: profileDomain(profile.chainId),
    types: profileTypes,
    primaryType: "Profile",
    message: { ...profileMessage(profile), links: [...profile.links] },
    signature: profile.signature as Hex,
  });
}
