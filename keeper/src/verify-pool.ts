/**
 * Signature work (EIP-712 digest with viem's hashTypedData, recovery with libsecp256k1) on worker
 * threads, so ingest uses more than one core. The worker is plain CommonJS (no TypeScript loader needed);
 * it receives the protocol's EIP-712 types from here, never its own copy.
 */
import { Worker } from "node:worker_threads";

import type { Address, Hex } from "viem";

import { sessionTypes, tallyTypes, type PlauditDomain } from "../../protocol/src/index.js";

export interface DigestJob {
  kind: "Tally" | "Session";
  message: Record<string, unknown>;
  signature: Hex;
}

export interface DigestResult {
  digest: Hex;
  /** Lowercase recovered address, or null when the contract would refuse the signature. */
  recovered: Address | null;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { hashTypedData, hexToBytes, keccak256 } = require("viem");
const secp256k1 = require("secp256k1");
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const { domain, types } = workerData;
function big(bytes) { let v = 0n; for (const b of bytes) v = (v << 8n) | BigInt(b); return v; }
function recover(digest, signature) {
  if (signature.length !== 132) return null;
  const sig = hexToBytes(signature);
  const v = sig[64];
  if (v !== 27 && v !== 28) return null;
  const s = big(sig.subarray(32, 64));
  if (s === 0n || s > HALF_N || big(sig.subarray(0, 32)) === 0n) return null;
  try {
    const pub = secp256k1.ecdsaRecover(sig.subarray(0, 64), v - 27, hexToBytes(digest), false);
    return "0x" + keccak256(pub.subarray(1)).slice(26);
  } catch { return null; }
}
parentPort.on("message", ({ id, jobs }) => {
  const results = jobs.map((job) => {
    const message = { ...job.message };
    for (const k of ["epoch", "seq", "expiry"]) if (typeof message[k] === "string") message[k] = BigInt(message[k]);
    const digest = hashTypedData({ domain, types: { [job.kind]: types[job.kind] }, primaryType: job.kind, message });
    return { digest, recovered: recover(digest, job.signature) };
  });
  parentPort.postMessage({ id, results });
});
`;

export class VerifyPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, (r: DigestResult[]) => void>();
  private nextId = 0;
  private turn = 0;

  constructor(domain: PlauditDomain, size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { domain, types: { Tally: tallyTypes.Tally, Session: sessionTypes.Session } },
      });
      worker.on("message", ({ id, results }: { id: number; results: DigestResult[] }) => {
        this.pending.get(id)?.(results);
        this.pending.delete(id);
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  run(jobs: DigestJob[]): Promise<DigestResult[]> {
    const id = this.nextId++;
    const worker = this.workers[this.turn++ % this.workers.length] as Worker;
    const serializable = jobs.map((j) => ({
      ...j,
      message: Object.fromEntries(Object.entries(j.message).map(([k, v]) => [k, typeof v === "bigint" ? v.toString() : v])),
    }));
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, jobs: serializable });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
