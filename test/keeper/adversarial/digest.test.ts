/**
 * The ingest path's own EIP-712 digests and signature recovery (keeper/src/verify-core.mjs) against
 * viem, on random messages and hostile signatures (fast-check): the same digest as hashTypedData, the
 * same signer as recoverAddress for every signature the contract accepts, and null for every one it
 * refuses (wrong length, v not 27/28, r or s zero, high s).
 */
import { expect } from "chai";
import fc from "fast-check";
import { hashTypedData, recoverAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  plauditDomain,
  sessionTypedData,
  tallyTypedData,
  type SessionMessage,
  type TallyMessage,
} from "@plaudit/protocol";
import { VerifyPool } from "../../../keeper/src/verify-pool.js";
import { signDigest } from "./harness.js";

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const hex32 = (n: bigint) => n.toString(16).padStart(64, "0");

const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => `0x${Buffer.from(b).toString("hex")}` as Address);
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const tallyMessage: fc.Arbitrary<TallyMessage> = fc
  .record({
    reader: address,
    epoch: uint64,
    seq: uint64,
    entries: fc.array(fc.tuple(address, fc.integer({ min: 0, max: 2 ** 32 - 1 })), { minLength: 0, maxLength: 20 }),
  })
  .map(({ reader, epoch, seq, entries }) => ({
    reader,
    epoch,
    seq,
    creators: entries.map((e) => e[0]),
    counts: entries.map((e) => e[1]),
  }));
const sessionMessage: fc.Arbitrary<SessionMessage> = fc.record({
  reader: address,
  key: address,
  expiry: uint64,
  nonce: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
});

describe("keeper signature checks (fast digests against viem)", function () {
  this.timeout(60_000);
  const domain = plauditDomain(31337, "0x5FbDB2315678afecb367f032d93F642f64180aa3");
  const pool = new VerifyPool(domain, 0);
  const key = generatePrivateKey();
  const signer = privateKeyToAccount(key).address.toLowerCase();

  after(() => pool.close());

  it("computes the digest viem's hashTypedData computes, for any Tally and Session", async () => {
    await fc.assert(
      fc.asyncProperty(tallyMessage, sessionMessage, async (tally, session) => {
        const [t, s] = await pool.run([
          { kind: "Tally", message: tally, signature: "0x" },
          { kind: "Session", message: session, signature: "0x" },
        ]);
        expect(t?.digest).to.equal(hashTypedData(tallyTypedData(domain, tally)));
        expect(s?.digest).to.equal(hashTypedData(sessionTypedData(domain, session)));
      }),
      { numRuns: 200 },
    );
  });

  it("recovers the signer viem recovers for low-s signatures and refuses what the contract refuses", async () => {
    await fc.assert(
      fc.asyncProperty(tallyMessage, fc.uint8Array({ minLength: 1, maxLength: 70 }), async (tally, junk) => {
        const digest = hashTypedData(tallyTypedData(domain, tally));
        const good = signDigest(digest, key);
        const r = BigInt(`0x${good.slice(2, 66)}`);
        const s = BigInt(`0x${good.slice(66, 130)}`);
        const v = good.slice(130);
        const flip = v === "1b" ? "1c" : "1b";
        // "signer": recovers the key; null: refused as the contract refuses it; "other": some other address.
        const cases: [Hex, "signer" | null | "other"][] = [
          [good, "signer"],
          [`0x${hex32(r)}${hex32(N - s)}${flip}` as Hex, null], // the malleated twin (high s)
          [`0x${hex32(r)}${hex32(s)}${v === "1b" ? "00" : "01"}` as Hex, null], // v 0/1
          [`0x${hex32(r)}${hex32(s)}1d` as Hex, null], // v 29
          [`0x${hex32(0n)}${hex32(s)}${v}` as Hex, null], // r = 0
          [`0x${hex32(r)}${hex32(0n)}${v}` as Hex, null], // s = 0
          [`${good}00` as Hex, null], // 66 bytes
          [good.slice(0, 130) as Hex, null], // 64 bytes
          [`0x${hex32(r)}${hex32(s)}${flip}` as Hex, "other"], // the other recovery id
        ];
        if (junk.length !== 65) cases.push([`0x${Buffer.from(junk).toString("hex")}` as Hex, null]);
        for (const [signature, expected] of cases) {
          const [result] = await pool.run([{ kind: "Tally", message: tally, signature }]);
          if (expected === "signer") {
            expect(result?.recovered).to.equal(signer);
            expect(result?.recovered).to.equal((await recoverAddress({ hash: digest, signature })).toLowerCase());
          } else if (expected === null) {
            expect(result?.recovered, signature).to.equal(null);
          } else {
            expect(result?.recovered, signature).to.not.equal(signer);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
