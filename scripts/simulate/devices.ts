/**
 * A reader's device as the dApp runs it: it keeps the cumulative clicks of the epoch, signs the next
 * tally with its key (a session key delegated once with a `Session`, or the reader's own key) and posts
 * it to the keeper's HTTP API as a wire tally.
 */
import type { Address, Hex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";

import {
  addClick,
  NO_CLICKS,
  sessionTypedData,
  tallyTypedData,
  toWireTally,
  type Clicks,
  type PlauditDomain,
  type SignedTally,
} from "@plaudit/protocol";
import { recordTally, type ReaderLedger } from "./ledger.js";

export class KeeperRejected extends Error {
  override readonly name = "KeeperRejected";
}

export class Device {
  private session: { expiry: bigint; nonce: number; signature: Hex } | null = null;
  private epoch = -1;
  private clicks: Clicks = NO_CLICKS;
  private seq = 0n;

  constructor(
    private readonly domain: PlauditDomain,
    private readonly reader: PrivateKeyAccount,
    readonly key: PrivateKeyAccount,
  ) {}

  get isSessionKey(): boolean {
    return this.key.address !== this.reader.address;
  }

  /** The reader delegates this device's key with a `Session` (once, for every epoch up to `expiry`). */
  async delegate(expiry: bigint, nonce: number): Promise<void> {
    if (!this.isSessionKey) return;
    const signature = await this.reader.signTypedData(
      sessionTypedData(this.domain, { reader: this.reader.address, key: this.key.address, expiry, nonce }),
    );
    this.session = { expiry, nonce, signature };
  }

  /** One click on `creator` in `epoch`: the next cumulative tally of this device, signed. */
  async click(epoch: number, creator: Address): Promise<SignedTally> {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.clicks = NO_CLICKS;
      this.seq = 0n;
    }
    if (this.isSessionKey && this.session === null)
      throw new Error(`device ${this.key.address} clicks before its delegation`);
    this.clicks = addClick(this.clicks, creator);
    this.seq += 1n;
    const message = {
      reader: this.reader.address,
      epoch: BigInt(epoch),
      seq: this.seq,
      creators: this.clicks.creators,
      counts: this.clicks.counts,
    };
    const signature = await this.key.signTypedData(tallyTypedData(this.domain, message));
    return {
      chainId: this.domain.chainId,
      pool: this.domain.verifyingContract,
      reader: this.reader.address,
      signer: this.key.address,
      epoch: message.epoch,
      seq: message.seq,
      creators: [...this.clicks.creators],
      counts: [...this.clicks.counts],
      signature,
      session: this.isSessionKey ? this.session : null,
    };
  }
}

/** Posts a tally to the keeper; throws KeeperRejected with the keeper's answer unless it was stored. */
export async function postTally(keeperUrl: string, tally: SignedTally, item?: string): Promise<void> {
  const res = await fetch(`${keeperUrl}/v1/tallies`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tally: toWireTally(tally), ...(item === undefined ? {} : { item }) }),
  });
  const text = await res.text();
  if (res.status !== 201)
    throw new KeeperRejected(
      `keeper answered ${res.status} to seq ${tally.seq} of ${tally.signer}: ${text.slice(0, 300)}`,
    );
}

/** Clicks, posts and records one tally in the ledger. */
export async function clickAndPost(
  device: Device,
  ledger: ReaderLedger,
  keeperUrl: string,
  epoch: number,
  creator: Address,
): Promise<void> {
  const tally = await device.click(epoch, creator);
  await postTally(keeperUrl, tally, `https://example.org/${creator.slice(2, 10).toLowerCase()}/post-${tally.seq}`);
  recordTally(ledger, epoch, { signer: tally.signer, seq: tally.seq, creators: tally.creators, counts: tally.counts });
}
