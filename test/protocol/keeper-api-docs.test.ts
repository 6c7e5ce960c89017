/**
 * docs/keeper-api.md is what outside clients are built from: every example in it, tagged with the name
 * of its wire format (a ```json block whose info string names it), must parse with that format's schema,
 * and the example tally must carry real signatures.
 */
import { readFile } from "node:fs/promises";

import { expect } from "chai";
import { hashTypedData, recoverAddress, type Hex } from "viem";

import {
  plauditDomain,
  postTallyRequestSchema,
  sessionTypedData,
  tallyTypedData,
  WIRE_SCHEMAS,
  type WireSchemaName,
} from "@plaudit/protocol";

const DOC = new URL("../../docs/keeper-api.md", import.meta.url);

async function examples(): Promise<{ name: string; json: string }[]> {
  const text = await readFile(DOC, "utf8");
  return [...text.matchAll(/```json (\w+)\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1] as string,
    json: m[2] as string,
  }));
}

describe("docs/keeper-api.md examples", () => {
  it("keeper-api docs: every tagged example parses with its wire format's schema", async () => {
    const found = await examples();
    expect(found.length).to.be.at.least(10);
    for (const { name, json } of found) {
      expect(Object.keys(WIRE_SCHEMAS), `unknown wire format ${name}`).to.include(name);
      const [schema] = WIRE_SCHEMAS[name as WireSchemaName];
      const parsed = schema.safeParse(JSON.parse(json));
      expect(parsed.success, `${name}: ${parsed.error?.message ?? ""}`).to.equal(true);
    }
  });

  it("keeper-api docs: the example tally is signed by its session key, delegated by its reader", async () => {
    const example = (await examples()).find((e) => e.name === "PostTallyRequest");
    if (example === undefined) throw new Error("no PostTallyRequest example");
    const { tally } = postTallyRequestSchema.parse(JSON.parse(example.json));
    if (tally.session === null) throw new Error("the example is a session-key tally");
    const domain = plauditDomain(tally.chainId, tally.pool);
    const tallyDigest = hashTypedData(tallyTypedData(domain, tally));
    expect(await recoverAddress({ hash: tallyDigest, signature: tally.signature as Hex })).to.equal(tally.signer);
    const session = {
      reader: tally.reader,
      key: tally.signer,
      expiry: tally.session.expiry,
      nonce: tally.session.nonce,
    };
    const sessionDigest = hashTypedData(sessionTypedData(domain, session));
    expect(await recoverAddress({ hash: sessionDigest, signature: tally.session.signature })).to.equal(tally.reader);
  });
});
