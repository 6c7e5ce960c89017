/**
 * Signing a session key's tally, and reading back the newest tally of a key from a keeper with its
 * signature checked. Several signers may hold one session key (the dApp's own pages and the button
 * frames of sites the reader approved); they keep one chain of tallies per key and month by building
 * on the keeper's newest one (see outbox.ts). The keeper is not trusted: a tally it returns counts
 * only if the key itself signed it for this reader, month, chain and pool.
 */
import type { Address } from "viem";
import { recoverTypedDataAddress } from "viem";

import {
  clicksProblem,
  plauditDomain,
  signedTallySchema,
  tallyTypedData,
  type Clicks,
  type KeeperClient,
  type SignedTally,
} from "@plaudit/protocol";
import type { Scope } from "./recordKeys.js";
import type { StoredSession } from "./records.js";
import { sessionAccount } from "./session.js";

/** Signs `clicks` as the `seq`-th tally of `session`'s key for `epoch`. */
export async function signTally(
  scope: Scope,
  session: StoredSession,
  epoch: bigint,
  seq: bigint,
  clicks: Clicks,
): Promise<SignedTally> {
  const account = sessionAccount(session);
  const reader = session.reader;
  const domain = plauditDomain(scope.chainId, scope.pool);
  const signature = await account.signTypedData(
    tallyTypedData(domain, { reader, epoch, seq, creators: clicks.creators, counts: clicks.counts }),
  );
  return signedTallySchema.parse({
    chainId: scope.chainId,
    pool: scope.pool,
    reader,
    signer: session.key,
    epoch: epoch.toString(),
    seq: seq.toString(),
    creators: clicks.creators,
    counts: clicks.counts,
    signature,
    session: { expiry: session.expiry, nonce: session.nonce, signature: session.signature },
  });
}

/** Whether `tally` is a genuine tally of `signer` for `reader` in `epoch` on this chain and pool. */
export async function isGenuineTally(
  scope: Scope,
  tally: SignedTally,
  reader: Address,
  signer: Address,
  epoch: bigint,
): Promise<boolean> {
  if (tally.chainId !== scope.chainId || BigInt(tally.pool) !== BigInt(scope.pool)) return false;
  if (BigInt(tally.reader) !== BigInt(reader) || BigInt(tally.signer) !== BigInt(signer)) return false;
  if (tally.epoch !== epoch || clicksProblem(reader, tally) !== undefined) return false;
  try {
    const recovered = await recoverTypedDataAddress({
      ...tallyTypedData(plauditDomain(scope.chainId, scope.pool), {
        reader: tally.reader,
        epoch: tally.epoch,
        seq: tally.seq,
        creators: tally.creators,
        counts: tally.counts,
      }),
      signature: tally.signature,
    });
    return BigInt(recovered) === BigInt(signer);
  } catch {
    return false;
  }
}

/** The keeper's newest tally of `signer`, if it has one that the key really signed. */
export async function keeperLatest(
  keeper: KeeperClient,
  scope: Scope,
  reader: Address,
  signer: Address,
  epoch: bigint,
): Promise<SignedTally | undefined> {
  const { tallies } = await keeper.readerTallies(reader, epoch);
  let best: SignedTally | undefined;
  for (const tally of tallies) {
    if (BigInt(tally.signer) !== BigInt(signer)) continue;
    if (best !== undefined && tally.seq <= best.seq) continue;
    if (await isGenuineTally(scope, tally, reader, signer, epoch)) best = tally;
  }
  return best;
}
