/* eslint-disable @typescript-eslint/no-require-imports */
"use strict";
/**
 * Signature work of the ingest path, in plain CommonJS so that a worker thread runs it without a
 * TypeScript loader (keeper/src/verify-pool.ts loads it in workers and, with 0 workers, in the main thread).
 *
 * EIP-712 digests are computed directly: keccak256(0x1901 ‖ domainSeparator ‖ keccak256(typeHash ‖
 * encoded fields)), with the domain separator and type hashes precomputed by verify-pool.ts from the
 * protocol's types (never a copy here) and checked against viem's hashTypedData at start. Recovery uses
 * libsecp256k1 and accepts exactly what OpenZeppelin's ECDSA.tryRecover accepts: 65 bytes, v in {27, 28},
 * 0 < r, 0 < s <= n/2.
 */
const { keccak256 } = require("viem");
const secp256k1 = require("secp256k1");

const HALF_N = Buffer.from("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", "hex");
const ZERO32 = Buffer.alloc(32);

const hash = (bytes) => keccak256(bytes, "bytes");

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
function createVerifier(constants) {
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

module.exports = { createVerifier };

const { parentPort, workerData } = require("node:worker_threads");
if (
  parentPort !== null &&
  workerData !== null &&
  typeof workerData === "object" &&
  workerData.plauditVerifier === true
) {
  const verify = createVerifier(workerData.constants);
  // One message carries a batch of requests: [{ id, jobs }].
  parentPort.on("message", (batch) => {
    parentPort.postMessage(batch.map(({ id, jobs }) => ({ id, results: verify(jobs) })));
  });
}
