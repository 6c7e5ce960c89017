/**
 * Admission of a signed tally: every check the contract will make at settlement, done before storing,
 * so that what the keeper keeps would settle. Returns a typed rejection naming the problem.
 */
import type { Address, Hex } from "viem";

import { clicksProblem, epochAt, type SignedTally } from "@plaudit/protocol";
import type { ChainView } from "./chain.js";
import {
  sessionJob,
  sessionKey,
  tallyJob,
  type DigestResult,
  type IntakeResult,
  type TallySignatures,
  type VerifyPool,
} from "./verify-pool.js";

export type RejectionCode =
  "wrong_chain" | "wrong_pool" | "bad_clicks" | "wrong_epoch" | "bad_signature" | "bad_session" | "no_budget";

export class Rejection extends Error {
  override readonly name = "Rejection";
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

export interface AdmissionOptions {
  graceSeconds: number;
}

/** Session delegations whose signature was checked, remembered until this many (then forgotten at once). */
const MAX_VERIFIED_SESSIONS = 100_000;

export class TallyAdmission {
  /** Session delegations already verified (digest and signature), keyed by their content. */
  private readonly verifiedSessions = new Set<string>();

  constructor(
    private readonly chain: ChainView,
    private readonly options: AdmissionOptions,
    /** Digests and signature recovery (worker threads, or the main thread with size 0). */
    private readonly verifyPool: VerifyPool,
  ) {}

  /** Epochs that accept tallies at `now`: the current one, and the previous one within the grace period. */
  acceptsEpoch(epoch: bigint, now: bigint): boolean {
    const bounds = this.chain.bounds(epoch);
    if (now < bounds.start) return false;
    return now < bounds.end + BigInt(this.options.graceSeconds) && now < bounds.deadline;
  }

  /**
   * A `POST /v1/tallies` body parsed (JSON, the protocol's schema) and its signers recovered, off the
   * main thread when the pool has workers. Pass its signatures to `check`.
   */
  intake(text: string): Promise<IntakeResult> {
    return this.verifyPool.intake(text);
  }

  /**
   * Throws a Rejection unless the contract would accept `tally` when settling its epoch. What costs no
   * chain call comes first, and the budget is read only once every signature is known to be the
   * reader's: an unsigned request costs at most an ERC-1271 call of a contract reader (whose refusals
   * are cached), never a budget read. `signatures`: the digests and recovered signers `intake` found for
   * this tally; computed here when absent.
   */
  async check(tally: SignedTally, signatures?: TallySignatures | null): Promise<void> {
    const { chainId, pool, token } = this.chain.deployment;
    if (tally.chainId !== chainId) {
      throw new Rejection("wrong_chain", `chainId ${tally.chainId} is not this keeper's chain ${chainId}`);
    }
    if (tally.pool !== pool) throw new Rejection("wrong_pool", `pool ${tally.pool} is not this keeper's pool ${pool}`);
    const problem = clicksProblem(tally.reader, tally, { pool, token });
    if (problem !== undefined) throw new Rejection("bad_clicks", `creators/counts: ${problem}`);
    const ownKey = tally.signer === tally.reader;
    if (ownKey && tally.session !== null) {
      throw new Rejection(
        "bad_session",
        "session: must be null when the reader signs the tally itself (signer = reader)",
      );
    }
    if (!ownKey && tally.session === null) {
      throw new Rejection("bad_session", "session: required when signer is not the reader");
    }

    const bounds = this.chain.bounds(tally.epoch);
    const asked = performance.now();
    let now = await this.chain.chainTime();
    if (now < bounds.start) {
      // A cached or shared in-flight read may predate the block that started this epoch: a client that
      // saw that block must not be refused for it, so look again with a read asked after this request
      // arrived (shared by every request waiting for one, so junk cannot multiply chain reads).
      now = await this.chain.chainTimeSince(asked);
    }
    if (!this.acceptsEpoch(tally.epoch, now)) {
      const current = epochAt(this.chain.deployment, now);
      throw new Rejection("wrong_epoch", `epoch ${tally.epoch} does not accept tallies now (current epoch ${current})`);
    }

    const session = tally.session;
    if (session !== null && session.expiry < bounds.end) {
      throw new Rejection("bad_session", `session.expiry ${session.expiry} is before the epoch's end ${bounds.end}`);
    }
    const sessionId = session === null ? "" : sessionKey(tally, session);
    const [tallyResult, sessionResult] = await this.signatures(tally, sessionId, signatures ?? undefined);
    const { digest, recovered } = tallyResult;
    if (session === null) {
      if (!(await this.isReaderSignature(tally.reader, digest, tally.signature, recovered))) {
        throw new Rejection("bad_signature", "signature: not the reader's signature of this tally");
      }
    } else {
      if (recovered !== tally.signer.toLowerCase()) {
        throw new Rejection("bad_signature", "signature: not the session key's signature of this tally");
      }
      if (sessionResult !== undefined) {
        if (
          !(await this.isReaderSignature(
            tally.reader,
            sessionResult.digest,
            session.signature,
            sessionResult.recovered,
          ))
        ) {
          throw new Rejection("bad_session", "session.signature: not the reader's delegation of this key");
        }
        if (this.verifiedSessions.size > MAX_VERIFIED_SESSIONS) this.verifiedSessions.clear();
        this.verifiedSessions.add(sessionId);
      }
    }

    let budget = await this.chain.budget(tally.reader, tally.epoch);
    if (budget.amount === 0n) {
      throw new Rejection("no_budget", `reader ${tally.reader} has no budget for epoch ${tally.epoch}`);
    }
    if (session === null) return;
    if (session.nonce > budget.sessionNonce) {
      // Newer than what was cached: the reader may have just revoked its sessions. Ask the chain.
      budget = await this.chain.budget(tally.reader, tally.epoch, 0);
    }
    if (session.nonce < budget.sessionNonce) {
      throw new Rejection(
        "bad_session",
        `session.nonce ${session.nonce} was revoked: the reader's session nonce is now ${budget.sessionNonce}; delegate the key again with nonce ${budget.sessionNonce}`,
      );
    }
    if (session.nonce > budget.sessionNonce) {
      throw new Rejection(
        "bad_session",
        `session.nonce ${session.nonce} is ahead of the reader's session nonce ${budget.sessionNonce} on chain`,
      );
    }
  }

  /**
   * The tally's digest and recovered signer, and its session delegation's unless that was verified
   * before (undefined then, and without a session): from `given` when intake computed them, else here.
   */
  private async signatures(
    tally: SignedTally,
    sessionId: string,
    given: TallySignatures | undefined,
  ): Promise<[DigestResult, DigestResult | undefined]> {
    const session = tally.session;
    const needSession = session !== null && !this.verifiedSessions.has(sessionId);
    if (given !== undefined && (!needSession || given.session !== null)) {
      return [given.tally, needSession ? (given.session ?? undefined) : undefined];
    }
    const jobs = needSession ? [tallyJob(tally), sessionJob(tally, session)] : [tallyJob(tally)];
    const [tallyResult, sessionResult] = await this.verifyPool.run(jobs);
    return [tallyResult as DigestResult, sessionResult];
  }

  /** The reader's ECDSA signature or, for a contract wallet, its ERC-1271 approval. */
  private async isReaderSignature(
    reader: Address,
    digest: Hex,
    signature: Hex,
    recovered: Address | null,
  ): Promise<boolean> {
    if (recovered === reader.toLowerCase()) return true;
    if (!(await this.chain.hasCode(reader))) return false;
    return this.chain.isValidWalletSignature(reader, digest, signature);
  }
}
