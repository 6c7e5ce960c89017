/**
 * VerifyPool.intake: a posted tally's body parsed by the protocol's schema and its signers recovered,
 * the same in a signature worker (which loads the protocol module the main thread uses) as inline.
 */
import { expect } from "chai";
import { getAddress, hashTypedData, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { plauditDomain, sessionTypedData, tallyTypedData, toWireTally, type SignedTally } from "@plaudit/protocol";
import { VerifyPool, type IntakeResult } from "../../keeper/src/verify-pool.js";
import { signDigest } from "./adversarial/harness.js";

const POOL = getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3");
const CHAIN_ID = 31337;
const domain = plauditDomain(CHAIN_ID, POOL);
const creator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");

const readerKey = generatePrivateKey();
const reader = privateKeyToAccount(readerKey).address;
const sessionKey = generatePrivateKey();
const key = privateKeyToAccount(sessionKey).address;

/** A tally of `reader` signed by the session key, with the reader's delegation. */
function sessionTally(overrides: Partial<SignedTally> = {}): SignedTally {
  const expiry = 2_000_000_000n;
  const message = { reader, epoch: 3n, seq: 2n, creators: [creator], counts: [4] };
  return {
    chainId: CHAIN_ID,
    pool: POOL,
    signer: key,
    ...message,
    signature: signDigest(hashTypedData(tallyTypedData(domain, message)), sessionKey),
    session: {
      expiry,
      nonce: 1,
      signature: signDigest(hashTypedData(sessionTypedData(domain, { reader, key, expiry, nonce: 1 })), readerKey),
    },
    ...overrides,
  };
}

const body = (tally: SignedTally, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ tally: toWireTally(tally), item: "https://blog.example/a", ...extra });

function parsed(result: IntakeResult): Extract<IntakeResult, { kind: "parsed" }> {
  expect(result.kind).to.equal("parsed");
  return result as Extract<IntakeResult, { kind: "parsed" }>;
}

for (const size of [0, 1]) {
  describe(`VerifyPool intake (${size === 0 ? "inline" : "in a signature worker"})`, function () {
    this.timeout(30_000);
    let pool: VerifyPool;
    before(() => (pool = new VerifyPool(domain, size)));
    after(() => pool.close());

    it("parses a session tally and recovers the key that signed it and the reader that delegated it", async () => {
      const tally = sessionTally();
      const result = parsed(await pool.intake(body(tally, { title: "A post" })));
      expect(result.request).to.deep.equal({ tally, item: "https://blog.example/a", title: "A post" });
      const { tally: tallySig, session: sessionSig } = result.signatures ?? {};
      expect(tallySig?.recovered).to.equal(key.toLowerCase());
      expect(tallySig?.digest).to.equal(hashTypedData(tallyTypedData(domain, tally)));
      expect(sessionSig?.recovered).to.equal(reader.toLowerCase());
    });

    it("recovers a delegation it saw before to the same reader (remembered), and a new one anew", async () => {
      const first = parsed(await pool.intake(body(sessionTally())));
      const again = parsed(await pool.intake(body(sessionTally({ seq: 3n }))));
      expect(again.signatures?.session).to.deep.equal(first.signatures?.session);
      const forged = sessionTally({
        session: { expiry: 2_000_000_000n, nonce: 1, signature: signDigest(`0x${"11".repeat(32)}`, readerKey) },
      });
      const other = parsed(await pool.intake(body(forged)));
      expect(other.signatures?.session?.recovered).to.not.equal(reader.toLowerCase());
    });

    it("recovers a reader's own signature and carries no session result without a session", async () => {
      const message = { reader, epoch: 3n, seq: 1n, creators: [creator], counts: [1] };
      const tally: SignedTally = {
        chainId: CHAIN_ID,
        pool: POOL,
        signer: reader,
        ...message,
        signature: signDigest(hashTypedData(tallyTypedData(domain, message)), readerKey),
        session: null,
      };
      const result = parsed(await pool.intake(body(tally)));
      expect(result.signatures?.tally.recovered).to.equal(reader.toLowerCase());
      expect(result.signatures?.session).to.equal(null);
    });

    it("computes no signatures for a tally of another chain or pool", async () => {
      for (const other of [{ chainId: 1 }, { pool: creator as Address }]) {
        const result = parsed(await pool.intake(body(sessionTally(other))));
        expect(result.signatures, JSON.stringify(other)).to.equal(null);
      }
    });

    it("answers malformed JSON with the parser's message", async () => {
      const result = await pool.intake('{"tally": ');
      expect(result.kind).to.equal("malformed_json");
      expect((result as { message: string }).message).to.match(/JSON/);
    });

    it("answers a body the schema refuses with its issues, each naming the field", async () => {
      const wire = toWireTally(sessionTally());
      const result = await pool.intake(
        JSON.stringify({ tally: { ...wire, counts: [0], extra: true }, item: "javascript:alert(1)" }),
      );
      expect(result.kind).to.equal("invalid");
      const issues = (result as Extract<IntakeResult, { kind: "invalid" }>).issues;
      const at = (path: (string | number)[]) => issues.find((i) => JSON.stringify(i.path) === JSON.stringify(path));
      expect(at(["tally", "counts", 0])?.code).to.equal("too_small");
      expect(at(["tally"])?.code).to.equal("unrecognized_keys");
      expect(at(["item"])?.message).to.match(/http\(s\)/);
    });

    it("parses a body with a hostile signature (not hex) as invalid, not as a failure", async () => {
      const tally = { ...toWireTally(sessionTally()), signature: "0xzz" as Hex };
      const result = await pool.intake(JSON.stringify({ tally }));
      expect(result.kind).to.equal("invalid");
    });
  });
}
