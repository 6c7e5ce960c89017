import { expect } from "chai";
import type { Address, Hex } from "viem";

import { MAX_TALLIES_PER_READER, selectTallies, tallyProblem, type SignedTally } from "@plaudit/protocol";

const READER = "0x00000000000000000000000000000000000000A0" as Address;
const CREATOR = "0x00000000000000000000000000000000000000C1" as Address;
const EPOCH_END = 1_000n;
const NONCE = 2;
const SIGNATURE = `0x${"11".repeat(65)}` as Hex;
const POOL = "0x00000000000000000000000000000000000000F0" as Address;
const TOKEN = "0x00000000000000000000000000000000000000E0" as Address;
const CONTEXT = { epochEnd: EPOCH_END, sessionNonce: NONCE, token: TOKEN };

const key = (i: number) => `0x${(0xb0 + i).toString(16).padStart(40, "0")}` as Address;

function tally(signer: Address, overrides: Partial<SignedTally> = {}): SignedTally {
  return {
    chainId: 31337,
    pool: POOL,
    reader: READER,
    signer,
    epoch: 0n,
    seq: 1n,
    creators: [CREATOR],
    counts: [1],
    signature: SIGNATURE,
    session: signer === READER ? null : { expiry: EPOCH_END, nonce: NONCE, signature: SIGNATURE },
    ...overrides,
  };
}

describe("protocol tally selection", () => {
  it("tallyProblem: names a revoked, an expired and a missing session, and accepts the reader's own key", () => {
    expect(tallyProblem(tally(READER), CONTEXT)).to.equal(undefined);
    expect(tallyProblem(tally(key(1)), CONTEXT)).to.equal(undefined);
    const revoked = tally(key(1), { session: { expiry: EPOCH_END, nonce: NONCE - 1, signature: SIGNATURE } });
    expect(tallyProblem(revoked, CONTEXT)).to.match(/revoked/);
    const expired = tally(key(1), { session: { expiry: EPOCH_END - 1n, nonce: NONCE, signature: SIGNATURE } });
    expect(tallyProblem(expired, CONTEXT)).to.match(/expired/);
    expect(tallyProblem(tally(key(1), { session: null }), CONTEXT)).to.match(/no session/);
    expect(tallyProblem(tally(READER, { creators: [READER] }), CONTEXT)).to.be.a("string");
  });

  it("tallyProblem: names a tally that credits the pool itself or its token (the pool skips it as BadClicks)", () => {
    expect(tallyProblem(tally(READER, { creators: [POOL] }), CONTEXT)).to.equal("the pool is no creator");
    expect(tallyProblem(tally(READER, { creators: [TOKEN] }), CONTEXT)).to.equal("the pool's token is no creator");
    const mixed = [CREATOR, TOKEN].sort() as Address[];
    expect(selectTallies([tally(key(1), { creators: mixed, counts: [1, 1] }), tally(key(2))], CONTEXT)).to.deep.equal([
      tally(key(2)),
    ]);
  });

  it("selectTallies: leaves out an old-key tally after a revocation instead of submitting it", () => {
    const old = tally(key(1), { session: { expiry: EPOCH_END, nonce: NONCE - 1, signature: SIGNATURE } });
    const current = tally(key(2));
    expect(selectTallies([old, current], CONTEXT)).to.deep.equal([current]);
  });

  it("selectTallies: keeps the highest seq of each key, ordered by signer", () => {
    const chosen = selectTallies(
      [tally(key(3), { seq: 1n }), tally(key(1), { seq: 5n }), tally(key(3), { seq: 4n }), tally(key(1), { seq: 2n })],
      CONTEXT,
    );
    expect(chosen.map((t) => [t.signer, t.seq])).to.deep.equal([
      [key(1), 5n],
      [key(3), 4n],
    ]);
  });

  it("selectTallies: keeps at most MAX_TALLIES_PER_READER keys, those with the most clicks", () => {
    const many = Array.from({ length: MAX_TALLIES_PER_READER + 2 }, (_, i) => tally(key(i), { counts: [i + 1] }));
    const chosen = selectTallies(many, CONTEXT);
    expect(chosen).to.have.length(MAX_TALLIES_PER_READER);
    expect(chosen.map((t) => t.counts[0])).to.not.include.members([1, 2]);
  });
});
