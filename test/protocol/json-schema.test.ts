import { readFile } from "node:fs/promises";

import { Ajv2020 } from "ajv/dist/2020.js";
import { expect } from "chai";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  plauditDomain,
  sessionTypedData,
  signedTallySchema,
  tallyTypedData,
  WIRE_SCHEMAS,
  wireJsonSchema,
  type SignedTallyInput,
  type WireSchemaName,
} from "@plaudit/protocol";
import { renderWireSchema, WIRE_SCHEMA_PATH } from "../../scripts/generate-schemas.js";

const POOL = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const CHAIN_ID = 31337;

/** A session-signed wire tally, signed for real. */
async function wireTally(): Promise<SignedTallyInput> {
  const reader = privateKeyToAccount(generatePrivateKey());
  const key = privateKeyToAccount(generatePrivateKey());
  const domain = plauditDomain(CHAIN_ID, POOL);
  const creators = ["0x00000000000000000000000000000000000000C1" as const];
  const message = { reader: reader.address, epoch: 3n, seq: 7n, creators, counts: [2] };
  const session = { reader: reader.address, key: key.address, expiry: 2n ** 40n, nonce: 0 };
  return {
    chainId: CHAIN_ID,
    pool: POOL,
    reader: reader.address,
    signer: key.address,
    epoch: "3",
    seq: "7",
    creators,
    counts: [2],
    signature: await key.signTypedData(tallyTypedData(domain, message)),
    session: {
      expiry: session.expiry.toString(),
      nonce: 0,
      signature: await reader.signTypedData(sessionTypedData(domain, session)),
    },
  };
}

describe("protocol JSON Schema", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(wireJsonSchema(), "wire");
  const validate = (name: WireSchemaName, value: unknown) => {
    const check = ajv.getSchema(`wire#/$defs/${name}`);
    if (check === undefined) throw new Error(`no schema ${name}`);
    return check(value) as boolean;
  };

  it("json-schema: docs/schemas/plaudit-wire.schema.json is what `npm run generate` renders", async () => {
    const committed = await readFile(WIRE_SCHEMA_PATH, "utf8");
    expect(committed, "stale JSON Schema: run `npm run generate`").to.equal(renderWireSchema());
  });

  it("json-schema: names every wire format", () => {
    expect(Object.keys(wireJsonSchema()["$defs"] as object)).to.deep.equal(Object.keys(WIRE_SCHEMAS));
  });

  it("json-schema: accepts a real signed tally and a POST body, as the zod schema does", async () => {
    const tally = await wireTally();
    expect(signedTallySchema.safeParse(tally).success).to.equal(true);
    expect(validate("SignedTally", tally)).to.equal(true);
    expect(validate("PostTallyRequest", { tally, item: "https://blog.test/a" })).to.equal(true);
  });

  it("json-schema: refuses what the keeper refuses on shape (extra fields, bad addresses, oversized numbers)", async () => {
    const tally = await wireTally();
    const bad: [string, unknown][] = [
      ["an extra field", { ...tally, tip: 1 }],
      ["a short address", { ...tally, reader: "0x1234" }],
      ["a count over uint32", { ...tally, counts: [2 ** 32] }],
      ["a seq with 21 digits", { ...tally, seq: "1".repeat(21) }],
      ["no session field", Object.fromEntries(Object.entries(tally).filter(([k]) => k !== "session"))],
      ["an empty creator list", { ...tally, creators: [], counts: [] }],
    ];
    for (const [what, value] of bad) {
      expect(validate("SignedTally", value), what).to.equal(false);
      expect(signedTallySchema.safeParse(value).success, what).to.equal(false);
    }
  });

  it("json-schema: describes the keeper's answers", () => {
    expect(validate("PostTallyResponse", { status: "stored", seq: "7" })).to.equal(true);
    expect(validate("PostTallyResponse", { status: "lost" })).to.equal(false);
    expect(validate("ErrorBody", { error: { code: "bad_clicks", message: "counts[0]: must be positive" } })).to.equal(
      true,
    );
    const status = {
      epoch: "3",
      status: "settled",
      start: 0,
      end: 10,
      deadline: 20,
      readers: 1,
      clicks: 2,
      settledClicks: 2,
      droppedClicks: 0,
      settledReaders: 1,
      skippedReaders: 0,
      droppedReaders: 0,
      dropped: [],
      transactions: [
        { hash: `0x${"ab".repeat(32)}`, readers: 1, status: "confirmed", from: null, nonce: 0, gasUsed: "90000" },
      ],
    };
    expect(validate("EpochStatusResponse", status)).to.equal(true);
    expect(validate("EpochStatusResponse", { ...status, status: "done" })).to.equal(false);
  });
});
