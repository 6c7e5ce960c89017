/**
 * The creator's profile form: what is typed, checked field by field with the protocol's own schemas
 * (protocol/src/profile.ts: the same bounds the keeper enforces), and turned into the `Profile` message
 * to sign. Links are typed one per line.
 */
import type { Address } from "viem";

import { profileUrlSchema, signedProfileSchema, type ProfileMessage, type SignedProfile } from "@plaudit/protocol";

export interface ProfileDraft {
  name: string;
  bio: string;
  avatar: string;
  website: string;
  /** One URL per line; blank lines are ignored. */
  links: string;
}

export type DraftField = keyof ProfileDraft;
export type DraftProblems = Partial<Record<DraftField, string>>;

export interface DraftFields {
  name: string;
  bio: string;
  avatar: string;
  website: string;
  links: string[];
}

export type DraftCheck = { ok: true; fields: DraftFields } | { ok: false; problems: DraftProblems };

/** The form's start: the published profile's fields, or empty ones. */
export function draftOf(profile: SignedProfile | undefined): ProfileDraft {
  return {
    name: profile?.name ?? "",
    bio: profile?.bio ?? "",
    avatar: profile?.avatar ?? "",
    website: profile?.website ?? "",
    links: profile?.links.join("\n") ?? "",
  };
}

export function linesOf(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

const fields = signedProfileSchema.shape;

/** The first problem zod names, or undefined when the value passes. */
function problemOf(
  schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } },
  value: unknown,
) {
  const result = schema.safeParse(value);
  return result.success ? undefined : (result.error?.issues[0]?.message ?? "invalid");
}

/** An optional URL's problem: none when empty, else the URL schema's own words. */
function urlProblem(value: string): string | undefined {
  return value === "" ? undefined : problemOf(profileUrlSchema, value);
}

/** Every field's problem (as the creator types), or the fields to sign when there is none. */
export function checkDraft(draft: ProfileDraft): DraftCheck {
  const links = linesOf(draft.links);
  const badLink = links.map((link, i) => [i, problemOf(profileUrlSchema, link)] as const).find(([, p]) => p);
  const problems: DraftProblems = {
    name: problemOf(fields.name, draft.name),
    bio: problemOf(fields.bio, draft.bio),
    avatar: urlProblem(draft.avatar),
    website: urlProblem(draft.website),
    links: badLink !== undefined ? `line ${badLink[0] + 1}: ${badLink[1] as string}` : problemOf(fields.links, links),
  };
  for (const key of Object.keys(problems) as DraftField[]) if (problems[key] === undefined) delete problems[key];
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return {
    ok: true,
    fields: { name: draft.name, bio: draft.bio, avatar: draft.avatar, website: draft.website, links },
  };
}

/** The `Profile` to sign: one version above the stored one (1 when none is stored). */
export function profileToSign(
  creator: Address,
  fields: DraftFields,
  storedVersion: bigint | undefined,
): ProfileMessage {
  return { creator, ...fields, version: (storedVersion ?? 0n) + 1n };
}
