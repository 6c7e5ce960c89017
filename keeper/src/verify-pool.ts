/**
 * The ingest path's CPU work on worker threads (keeper/src/verify-core.mjs: a posted tally's JSON and
 * zod parse, EIP-712 digests and libsecp256k1 recovery), so that ingest uses more than one core and the
 * main thread keeps HTTP and storage. Requests of up to 1 ms travel to a worker in one message. With
 * size 0 the same code runs in the main thread.
 *
 * The digest constants (domain separator, type hashes) come from the protocol's EIP-712 types through
 * viem, and the fast digest is checked against viem's hashTypedData at construction: a drift fails at
 * start, not at settlement.
 */
import { Worker } from "node:worker_threads";

import { getTypesForEIP712Domain, hashDomain, hashTypedData, keccak256, toHex, type Address, type Hex } from "viem";

import {
  postTallyRequestSchema,
  sessionTypedData,
  sessionTypes,
  tallyTypedData,
  tallyTypes,
  type PlauditDomain,
  type SessionMessage,
  type TallyMessage,
} from "@plaudit/protocol";
import {
  createIntake,
  createVerifier,
  type DigestConstants,
  type DigestJob,
  type DigestResult,
  type Intake,
  type IntakeResult,
  type Verify,
} from "./verify-core.mjs";

export type {
  DigestConstants,
  DigestJob,
  DigestResult,
  IntakeResult,
  IssueSummary,
  TallySignatures,
} from "./verify-core.mjs";
export { sessionJob, sessionKey, tallyJob } from "./verify-core.mjs";

const CORE_PATH = new URL("./verify-core.mjs", import.meta.url);
/** The protocol module this thread uses, for the workers to load the same (source or build). */
const PROTOCOL_URL = import.meta.resolve("@plaudit/protocol");

/** keccak256 of the EIP-712 type string, e.g. `Tally(address reader,uint64 epoch,...)` (no nested structs). */
function typeHash(name: string, fields: readonly { name: string; type: string }[]): Hex {
  return keccak256(toHex(`${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`));
}

export function digestConstants(domain: PlauditDomain): DigestConstants {
  return {
    domainSeparator: hashDomain({ domain, types: { EIP712Domain: getTypesForEIP712Domain({ domain }) } } as Parameters<
      typeof hashDomain
    >[0]),
    tallyTypeHash: typeHash("Tally", tallyTypes.Tally),
    sessionTypeHash: typeHash("Session", sessionTypes.Session),
  };
}

/** Throws unless the fast digests equal viem's hashTypedData for sample messages. */
function selfCheck(domain: PlauditDomain, verify: Verify): void {
  const a = "0x00000000000000000000000000000000000000a1" as Address;
  const b = "0xfffffffffffffffffffffffffffffffffffffffe" as Address;
  const tally: TallyMessage = { reader: a, epoch: 2n ** 64n - 1n, seq: 7n, creators: [a, b], counts: [1, 2 ** 32 - 1] };
  const session: SessionMessage = { reader: b, key: a, expiry: 1234567890123n, nonce: 2 ** 32 - 1 };
  const [t, s] = verify([
    { kind: "Tally", message: tally, signature: "0x" },
    { kind: "Session", message: session, signature: "0x" },
  ]);
  if (
    t?.digest !== hashTypedData(tallyTypedData(domain, tally)) ||
    s?.digest !== hashTypedData(sessionTypedData(domain, session))
  ) {
    throw new Error(
      "verify-core digests differ from hashTypedData: the EIP-712 encoding drifted from the protocol's types",
    );
  }
}

/**
 * Requests wait up to this long to travel to a worker together: each message wakes a sleeping worker,
 * and on two busy cores that wake-up (not the copy) is what costs the main thread. 1 ms of latency.
 */
const FLUSH_AFTER_MS = 1;
/** ... or go at once when this many are waiting. */
const FLUSH_AT = 64;

/** A request to a worker: signature jobs (settlement), or a posted tally's body (ingest). */
type WorkerRequest = { id: number; jobs: readonly DigestJob[] } | { id: number; text: string };
/** Its answer: one of results, intake and error. */
interface WorkerAnswer {
  id: number;
  results?: DigestResult[];
  intake?: IntakeResult;
  error?: string;
}

interface Pending {
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
}

export class VerifyPool {
  private readonly workers: {
    worker: Worker;
    pending: Map<number, Pending>;
    queue: WorkerRequest[];
  }[] = [];
  private readonly inline: Verify;
  private readonly inlineIntake: Intake;
  private readonly constants: DigestConstants;
  private readonly deployment: { chainId: number; pool: Address };
  private nextId = 0;
  private turn = 0;
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(domain: PlauditDomain, size: number) {
    this.constants = digestConstants(domain);
    this.deployment = { chainId: domain.chainId, pool: domain.verifyingContract };
    this.inline = createVerifier(this.constants);
    this.inlineIntake = createIntake(this.inline, this.deployment, postTallyRequestSchema);
    selfCheck(domain, this.inline);
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  get size(): number {
    return this.workers.length;
  }

  private spawn() {
    const slot = {
      worker: new Worker(CORE_PATH, {
        workerData: {
          plauditVerifier: true,
          constants: this.constants,
          deployment: this.deployment,
          protocolUrl: PROTOCOL_URL,
        },
      }),
      pending: new Map<number, Pending>(),
      queue: [] as WorkerRequest[],
    };
    slot.worker.on("message", (batch: WorkerAnswer[]) => {
      for (const answer of batch) {
        const pending = slot.pending.get(answer.id);
        slot.pending.delete(answer.id);
        if (answer.error !== undefined) pending?.reject(new Error(`signature worker: ${answer.error}`));
        else pending?.resolve(answer);
      }
      if (slot.pending.size === 0) slot.worker.unref();
    });
    // A worker that dies fails its requests (answered 500, nothing stored) and is replaced.
    const fail = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      const index = this.workers.indexOf(slot);
      if (index !== -1 && !this.closed) this.workers[index] = this.spawn();
    };
    slot.worker.once("error", fail);
    slot.worker.once("exit", (code) => fail(new Error(`signature worker exited with code ${code}`)));
    // Idle workers do not keep the process alive; a worker with requests pending does (see run).
    slot.worker.unref();
    return slot;
  }

  /** Digest and recovered signer of each job, in order. */
  async run(jobs: readonly DigestJob[]): Promise<DigestResult[]> {
    if (this.workers.length === 0) return this.inline(jobs);
    return (await this.send({ id: this.nextId++, jobs })).results ?? [];
  }

  /**
   * A `POST /v1/tallies` body parsed by the protocol's schema, with the digests and recovered signers
   * of its tally and session when it names this keeper's chain and pool.
   */
  async intake(text: string): Promise<IntakeResult> {
    if (this.workers.length === 0) return this.inlineIntake(text);
    const { intake } = await this.send({ id: this.nextId++, text });
    if (intake === undefined) throw new Error("signature worker: no intake in its answer");
    return intake;
  }

  private send(request: WorkerRequest): Promise<WorkerAnswer> {
    const slot = this.workers[this.turn++ % this.workers.length] as VerifyPool["workers"][number];
    return new Promise((resolve, reject) => {
      slot.pending.set(request.id, { resolve, reject });
      slot.worker.ref();
      slot.queue.push(request);
      if (++this.queued >= FLUSH_AT) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
    });
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queued = 0;
    for (const slot of this.workers) {
      if (slot.queue.length === 0) continue;
      slot.worker.postMessage(slot.queue);
      slot.queue = [];
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
