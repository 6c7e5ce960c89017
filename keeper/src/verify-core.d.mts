/** Types of verify-core.mjs (plain JavaScript, so that worker threads load it without a TypeScript loader). */
import type { Address, Hex } from "viem";
import type { z } from "zod";

import type {
  ParsedPostTallyRequest,
  postTallyRequestSchema as PostTallyRequestSchema,
  SessionMessage,
  SignedTally,
  TallyMessage,
} from "@plaudit/protocol";

export type DigestJob =
  | { kind: "Tally"; message: TallyMessage; signature: Hex }
  | { kind: "Session"; message: SessionMessage; signature: Hex };

export interface DigestResult {
  digest: Hex;
  /** Lowercase recovered address, or null when the contract would refuse the signature. */
  recovered: Address | null;
}

export interface DigestConstants {
  domainSeparator: Hex;
  tallyTypeHash: Hex;
  sessionTypeHash: Hex;
}

export type Verify = (jobs: readonly DigestJob[]) => DigestResult[];

/** What the API needs of a zod issue to answer with it. */
export interface IssueSummary {
  code: z.core.$ZodIssue["code"];
  path: (string | number)[];
  message: string;
}

/** Digests and recovered signers of a parsed tally (session: null when it carries none). */
export interface TallySignatures {
  tally: DigestResult;
  session: DigestResult | null;
}

export type IntakeResult =
  | { kind: "malformed_json"; message: string }
  | { kind: "invalid"; issues: IssueSummary[] }
  /** signatures: null when the tally names another chain or pool (admission refuses it). */
  | { kind: "parsed"; request: ParsedPostTallyRequest; signatures: TallySignatures | null };

export type Intake = (text: string) => IntakeResult;

type TallySession = NonNullable<SignedTally["session"]>;

/** The job that checks `tally`'s own signature (by its signer). */
export function tallyJob(tally: SignedTally, signature?: Hex): DigestJob;
/** The job that checks `session`, the reader's delegation of `tally`'s signer. */
export function sessionJob(tally: SignedTally, session: TallySession, signature?: Hex): DigestJob;
/** A session delegation's identity: the reader, the key, and all the reader signed for it. */
export function sessionKey(tally: SignedTally, session: TallySession): string;

export function createVerifier(constants: DigestConstants): Verify;
export function createIntake(
  verify: Verify,
  deployment: { chainId: number; pool: Address },
  postTallyRequestSchema: typeof PostTallyRequestSchema,
): Intake;
