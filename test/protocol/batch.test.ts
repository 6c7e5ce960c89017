import { expect } from "chai";
import fc from "fast-check";
import { getAddress, type Address, type Hex } from "viem";

import {
  decodeSettlementBatch,
  encodeSettlementBatch,
  MAX_CLICK_COUNT,
  settleArgs,
  type SettlementReader,
  type SettlementTally,
} from "@plaudit/protocol";

const addressArb = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((bytes) => getAddress(`0x${Buffer.from(bytes).toString("hex")}`) as Address);
const bytesArb = (max: number) =>
  fc.uint8Array({ minLength: 0, maxLength: max }).map((bytes) => `0x${Buffer.from(bytes).toString("hex")}` as Hex);

/** Creators drawn from a small pool, so that tallies and readers share some. */
const tallyArb = (creatorPool: readonly Address[]): fc.Arbitrary<SettlementTally> =>
  fc
    .record({
      signer: addressArb,
      seq: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      sessionExpiry: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      entries: fc.array(fc.tuple(fc.constantFrom(...creatorPool), fc.integer({ min: 0, max: MAX_CLICK_COUNT })), {
        maxLength: 12,
      }),
      signature: bytesArb(70),
      sessionSignature: bytesArb(70),
    })
    .map(({ entries, ...rest }) => ({
      ...rest,
      creators: entries.map(([creator]) => creator),
      counts: entries.map(([, count]) => count),
    }));

const batchArb = fc.array(addressArb, { minLength: 1, maxLength: 6 }).chain((creatorPool) =>
  fc.array(fc.record({ reader: addressArb, tallies: fc.array(tallyArb(creatorPool), { maxLength: 3 }) }), {
    maxLength: 5,
  }),
);

const A = "0x00000000000000000000000000000000000000Aa" as Address;
const B = "0x00000000000000000000000000000000000000bB" as Address;
const READER = "0x1111111111111111111111111111111111111111" as Address;

function tally(overrides: Partial<SettlementTally> = {}): SettlementTally {
  return {
    signer: READER,
    seq: 1n,
    sessionExpiry: 0n,
    creators: [A],
    counts: [1],
    signature: `0x${"ab".repeat(65)}`,
    sessionSignature: "0x",
    ...overrides,
  };
}

describe("protocol batch", () => {
  it("encodeSettlementBatch: decodes back to the same readers, tallies, creators and counts, and who signed", () => {
    fc.assert(
      fc.property(batchArb, (readers: SettlementReader[]) => {
        const decoded = decodeSettlementBatch(encodeSettlementBatch(readers));
        // The batch names no signer: only whether the reader or a session key signed.
        const normalized = readers.map((r) => ({
          reader: getAddress(r.reader),
          tallies: r.tallies.map(({ signer, ...t }) => ({
            ...t,
            sessionKeySigned: getAddress(signer) !== getAddress(r.reader),
            creators: t.creators.map((c) => getAddress(c)),
          })),
        }));
        expect(decoded).to.deep.equal(normalized);
      }),
    );
  });

  it("encodeSettlementBatch: names every creator once in the table, in order of first appearance", () => {
    fc.assert(
      fc.property(batchArb, (readers: SettlementReader[]) => {
        const { creators } = encodeSettlementBatch(readers);
        const named = readers.flatMap((r) => r.tallies.flatMap((t) => t.creators.map((c) => c.toLowerCase())));
        expect(creators.map((c) => c.toLowerCase())).to.deep.equal([...new Set(named)]);
      }),
    );
  });

  it("encodeSettlementBatch: lays out one reader field by field, big-endian, unpadded", () => {
    const { creators, batch } = encodeSettlementBatch([
      { reader: READER, tallies: [tally({ seq: 2n, creators: [B, A], counts: [7, 256], sessionSignature: "0x0102" })] },
    ]);
    expect(creators).to.deep.equal([getAddress(B), getAddress(A)]);
    const expected =
      "0x" +
      READER.slice(2).toLowerCase() +
      "01" + // one tally
      "00" + // signed by the reader itself
      "0000000000000002" + // seq
      "0000000000000000" + // session expiry
      "0002" + // two entries
      "0000" +
      "00000007" + // B (index 0) x 7
      "0001" +
      "00000100" + // A (index 1) x 256
      "0041" +
      "ab".repeat(65) + // signature
      "0002" +
      "0102"; // session signature
    expect(batch).to.equal(expected);
  });

  it("encodeSettlementBatch: an empty batch is empty", () => {
    expect(encodeSettlementBatch([])).to.deep.equal({ creators: [], batch: "0x" });
    expect(settleArgs(3n, [])).to.deep.equal([3n, [], "0x"]);
  });

  it("encodeSettlementBatch: refuses values its fields cannot hold, naming the field", () => {
    const encode = (t: SettlementTally) => () => encodeSettlementBatch([{ reader: READER, tallies: [t] }]);
    expect(encode(tally({ seq: 2n ** 64n }))).to.throw(RangeError, /seq/);
    expect(encode(tally({ seq: -1n }))).to.throw(RangeError, /seq/);
    expect(encode(tally({ counts: [MAX_CLICK_COUNT + 1] }))).to.throw(RangeError, /click count/);
    expect(encode(tally({ counts: [1, 2] }))).to.throw(RangeError, /1 creators but 2 counts/);
    expect(encode(tally({ signature: `0x${"00".repeat(65_536)}` }))).to.throw(RangeError, /signature length/);
    expect(encode(tally({ signature: "0xabc" as Hex }))).to.throw(TypeError, /signature is not hex/);
    expect(() =>
      encodeSettlementBatch([{ reader: READER, tallies: Array.from({ length: 256 }, () => tally()) }]),
    ).to.throw(RangeError, /tallies of a reader/);
  });

  it("decodeSettlementBatch: refuses a batch cut short and an index past the table", () => {
    const encoded = encodeSettlementBatch([{ reader: READER, tallies: [tally({ creators: [A, B], counts: [1, 1] })] }]);
    expect(() => decodeSettlementBatch({ ...encoded, batch: encoded.batch.slice(0, -2) as Hex })).to.throw(
      RangeError,
      /ends inside a field/,
    );
    expect(() => decodeSettlementBatch({ ...encoded, creators: encoded.creators.slice(0, 1) })).to.throw(
      RangeError,
      /index 1 is outside the table/,
    );
  });
});
