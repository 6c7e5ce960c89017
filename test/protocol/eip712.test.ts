import { expect } from "chai";
import { getAddress, hashTypedData, type Address } from "viem";

import {
  plauditDomain,
  sessionTypedData,
  tallyTypedData,
  type SessionMessage,
  type TallyMessage,
} from "@plaudit/protocol";
import { deployPoolFixture, networkHelpers } from "../helpers/fixtures.js";
import { clicksFor, syntheticCreators } from "../helpers/pool.js";

async function protocolDomainFixture() {
  const f = await deployPoolFixture();
  const domain = plauditDomain(Number(f.domain.chainId), getAddress(await f.pool.getAddress()));
  return { ...f, protocolDomain: domain };
}

describe("protocol EIP-712", () => {
  it("eip712: plauditDomain equals the domain the pool reports (ERC-5267)", async () => {
    const { domain, protocolDomain } = await networkHelpers.loadFixture(protocolDomainFixture);
    expect({ ...protocolDomain, chainId: BigInt(protocolDomain.chainId) }).to.deep.equal(domain);
  });

  it("eip712: the pool's tallyDigest equals viem's hashTypedData of the protocol's Tally", async () => {
    const { pool, alice, creatorA, creatorB, creatorC, protocolDomain } =
      await networkHelpers.loadFixture(protocolDomainFixture);
    const clicks = clicksFor([
      [creatorA, 3],
      [creatorB, 1],
      [creatorC, 2 ** 32 - 1],
    ]);
    const cases: TallyMessage[] = [
      { reader: alice.address as Address, epoch: 0n, seq: 1n, ...clicks },
      { reader: alice.address as Address, epoch: 2n ** 64n - 1n, seq: 2n ** 64n - 1n, ...clicks },
      {
        reader: alice.address as Address,
        epoch: 7n,
        seq: 42n,
        creators: syntheticCreators(256),
        counts: Array.from({ length: 256 }, (_, i) => i + 1),
      },
    ];
    for (const message of cases) {
      const onChain = await pool.tallyDigest(
        message.reader,
        message.epoch,
        message.seq,
        [...message.creators],
        [...message.counts],
      );
      expect(onChain).to.equal(hashTypedData(tallyTypedData(protocolDomain, message)));
    }
  });

  it("eip712: the pool's sessionDigest equals viem's hashTypedData of the protocol's Session", async () => {
    const { pool, alice, stranger, protocolDomain } = await networkHelpers.loadFixture(protocolDomainFixture);
    const cases: SessionMessage[] = [
      { reader: alice.address as Address, key: stranger.address as Address, expiry: 0n, nonce: 0 },
      {
        reader: alice.address as Address,
        key: stranger.address as Address,
        expiry: 2n ** 64n - 1n,
        nonce: 2 ** 32 - 1,
      },
    ];
    for (const message of cases) {
      const onChain = await pool.sessionDigest(message.reader, message.key, message.expiry, message.nonce);
      expect(onChain).to.equal(hashTypedData(sessionTypedData(protocolDomain, message)));
    }
  });

  it("eip712: the digests depend on the pool (another pool's domain gives another digest)", async () => {
    const { pool, alice, creatorA, protocolDomain } = await networkHelpers.loadFixture(protocolDomainFixture);
    const message: TallyMessage = {
      reader: alice.address as Address,
      epoch: 0n,
      seq: 1n,
      ...clicksFor([[creatorA, 1]]),
    };
    const elsewhere = plauditDomain(protocolDomain.chainId, creatorA.address as Address);
    const onChain = await pool.tallyDigest(message.reader, 0n, 1n, [...message.creators], [...message.counts]);
    expect(onChain).to.not.equal(hashTypedData(tallyTypedData(elsewhere, message)));
  });
});
