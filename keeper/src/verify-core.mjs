/**
 * The CPU work of the ingest path, in plain JavaScript so that a worker thread runs it without a
 * TypeScript loader (keeper/src/verify-pool.ts loads it in workers and, with 0 workers, in the main
 * thread; verify-core.d.mts declares its types): a posted tally's JSON and zod parse (the protocol's own
 * `postTallyRequestSchema`), its EIP-712 digests and the recovery of its signers.
 *
 * EIP-712 digests are computed directly: keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash ‖
 * encoded fields)), with the domain separator and type hashes precomputed by verify-pool.ts from the
 * protocol's types (never a copy here) and checked against viem's hashTypedData at start. Keccak is
 * hash-wasm's WebAssembly build: about 1 µs for these small inputs, where viem's JavaScript one takes
 * 19 to 35 µs on the 2-core benchmark machine (five hashes per tally). Recovery uses
 * libsecp256k1 and accepts exactly what OpenZeppelin's ECDSA.tryRecover accepts: 65 bytes, v in {27, 28},
 * 0 < r, 0 < s <= n/2.
 */
import { parentPort, workerData } from "node:worker_threads";

import { createKeccak } from "hash-wasm";
import secp256k1 from "secp256k1";

const HALF_N = Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex");
const ZERO32 = Buffer.alloc(32);

/** One keccak-256 state per thread, reset for every hash (this code runs synchronously). */
const keccak = await createKeccak(256);

/** keccak256 of `bytes`, as bytes. */
function hash(bytes) {
  keccak.init();
  keccak.update(bytes);
  return keccak.digest("binary");
}

/** `0x` + 40 hex digits into a 32-byte word at `offset` (left-padded, as abi.encode does). */
function putAddress(buffer, offset, address) {
  if (address.length !== 42) throw new Error("not an address");
  buffer.write(address.slice(2), offset + 12, 20, "hex");
}

function putUint(buffer, offset, value) {
  buffer.writeBigUInt64BE(BigInt(value), offset + 24);
}

/**
 * @param {{ domainSeparator: string, tallyTypeHash: string, sessionTypeHash: string }} constants 0x hex
 */
export function createVerifier(constants) {
  const prefix = Buffer.alloc(66);
  prefix[0] = 0x19;
  prefix[1] = 0x01;
  prefix.write(constants.domainSeparator.slice(2), 2, 32, "hex");
  const tallyTypeHash = Buffer.from(constants.tallyTypeHash.slice(2), "hex");
  const sessionTypeHash = Buffer.from(constants.sessionTypeHash.slice(2), "hex");

  function digestOf(structHash) {
    const data = Buffer.from(prefix);
    data.set(structHash, 34);
    return hash(data);
  }

  function tallyDigest(m) {
    const creators = Buffer.alloc(32 * m.creators.length);
    m.creators.forEach((c, i) => putAddress(creators, 32 * i, c));
    const counts = Buffer.alloc(32 * m.counts.length);
    m.counts.forEach((n, i) => counts.writeUInt32BE(n, 32 * i + 28));
    const struct = Buffer.alloc(32 * 6);
    tallyTypeHash.copy(struct, 0);
    putAddress(struct, 32, m.reader);
    putUint(struct, 64, m.epoch);
    putUint(struct, 96, m.seq);
    struct.set(hash(creators), 128);
    struct.set(hash(counts), 160);
    return digestOf(hash(struct));
  }

  function sessionDigest(m) {
    const struct = Buffer.alloc(32 * 5);
    sessionTypeHash.copy(struct, 0);
    putAddress(struct, 32, m.reader);
    putAddress(struct, 64, m.key);
    putUint(struct, 96, m.expiry);
    struct.writeUInt32BE(m.nonce, 128 + 28);
    return digestOf(hash(struct));
  }

  /** Lowercase address that signed `digest`, or null when the contract would refuse the signature. */
  function recover(digest, signature) {
    if (typeof signature !== "string" || signature.length !== 132 || !/^0x[0-9a-f]{130}$/i.test(signature)) return null;
    const sig = Buffer.from(signature.slice(2), "hex");
    const v = sig[64];
    if (v !== 27 && v !== 28) return null;
    const r = sig.subarray(0, 32);
    const s = sig.subarray(32, 64);
    if (r.equals(ZERO32) || s.equals(ZERO32) || Buffer.compare(s, HALF_N) > 0) return null;
    try {
      const publicKey = secp256k1.ecdsaRecover(sig.subarray(0, 64), v - 27, digest, false);
      return (
        "0x" +
        Buffer.from(hash(publicKey.subarray(1)))
          .subarray(12)
          .toString("hex")
      );
    } catch {
      return null;
    }
  }

  /** @param {{ kind: "Tally" | "Session", message: object, signature: string }[]} jobs */
  return function verify(jobs) {
    return jobs.map((job) => {
      const digest = job.kind === "Tally" ? tallyDigest(job.message) : sessionDigest(job.message);
      return { digest: "0x" + Buffer.from(digest).toString("hex"), recovered: recover(digest, job.signature) };
    });
  };
}

/**
 * The job that checks `tally`'s own signature (by its signer).
 * @param {{ reader: string, epoch: bigint, seq: bigint, creators: string[], counts: number[], signature: string }} tally
 */
export function tallyJob(tally, signature = tally.signature) {
  const { reader, epoch, seq, creators, counts } = tally;
  return { kind: "Tally", message: { reader, epoch, seq, creators, counts }, signature };
}

/** The job that checks `session`, the reader's delegation of `tally`'s signer. */
export function sessionJob(tally, session, signature = session.signature) {
  const { expiry, nonce } = session;
  return { kind: "Session", message: { reader: tally.reader, key: tally.signer, expiry, nonce }, signature };
}

/** A session delegation's identity: the reader, the key, and all the reader signed for it. */
export function sessionKey(tally, session) {
  return `${tally.reader}:${tally.signer}:${session.expiry}:${session.nonce}:${session.signature}`;
}

/** Recovered session delegations remembered per thread, until this many (then forgotten at once). */
const MAX_MEMOIZED_SESSIONS = 100_000;

/** What the API needs of a zod issue to answer with it (plain data: it crosses threads). */
function issueSummary(issue) {
  return {
    code: issue.code,
    path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
    message: issue.message,
  };
}

/**
 * The intake of a `POST /v1/tallies` body: JSON, the protocol's schema, then the digests and recovered
 * signers of the tally and its session delegation, computed only for this keeper's chain and pool.
 * Recovering a delegation is memoized: a key's tallies all carry the same one.
 *
 * @param {(jobs: object[]) => object[]} verify from createVerifier
 * @param {{ chainId: number, pool: string }} deployment
 * @param {import("zod").ZodType} postTallyRequestSchema the protocol's
 */
export function createIntake(verify, deployment, postTallyRequestSchema) {
  const pool = deployment.pool.toLowerCase();
  const sessions = new Map();
  return function intake(text) {
    let json;
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { kind: "malformed_json", message: error.message };
    }
    const parsed = postTallyRequestSchema.safeParse(json);
    if (!parsed.success) return { kind: "invalid", issues: parsed.error.issues.map(issueSummary) };
    const { tally } = parsed.data;
    if (tally.chainId !== deployment.chainId || tally.pool.toLowerCase() !== pool) {
      return { kind: "parsed", request: parsed.data, signatures: null };
    }
    const [tallyResult] = verify([tallyJob(tally)]);
    const session = tally.session;
    let sessionResult = null;
    if (session !== null) {
      const key = sessionKey(tally, session);
      sessionResult = sessions.get(key) ?? null;
      if (sessionResult === null) {
        [sessionResult] = verify([sessionJob(tally, session)]);
        if (sessions.size >= MAX_MEMOIZED_SESSIONS) sessions.clear();
        sessions.set(key, sessionResult);
      }
    }
    return { kind: "parsed", request: parsed.data, signatures: { tally: tallyResult, session: sessionResult } };
  };
}

/** One request to a worker: signature jobs (settlement) or a posted tally's body (ingest). */
function serve(verify, intake, request) {
  try {
    return request.text === undefined
      ? { id: request.id, results: verify(request.jobs) }
      : { id: request.id, intake: intake(request.text) };
  } catch (error) {
    return { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
}

if (
  parentPort !== null &&
  workerData !== null &&
  typeof workerData === "object" &&
  workerData.plauditVerifier === true
) {
  // The protocol module the main thread uses (its URL in workerData): its TypeScript source under a
  // TypeScript loader (tests, `tsx`), which this thread then needs too, or its built JavaScript.
  if (workerData.protocolUrl.endsWith(".ts")) (await import("tsx/esm/api")).register();
  const { postTallyRequestSchema } = await import(workerData.protocolUrl);
  const verify = createVerifier(workerData.constants);
  const intake = createIntake(verify, workerData.deployment, postTallyRequestSchema);
  // One message carries a batch of requests: [{ id, jobs } | { id, text }].
  parentPort.on("message", (batch) => {
    parentPort.postMessage(batch.map((request) => serve(verify, intake, request)));
  });
}
