#!/usr/bin/env node
/**
 * An outside client of Plaudit in plain JavaScript, with nothing but @plaudit/protocol (and its viem):
 * asks a keeper which pool and epoch it serves, signs one click as a reader with the reader's own key,
 * and posts the tally. Prints the keeper's answer as JSON.
 *
 *   KEEPER_URL=http://127.0.0.1:8787 READER_KEY=0x… CREATOR=0x… [ITEM_URL=https://…] [SEQ=1] node post-tally.mjs
 *
 * A real reader signs with a session key it delegated (see docs/protocol.md, "Session"); the reader's
 * own key keeps the example short. `SEQ` must rise with every new tally of the same key and epoch.
 */
import { createKeeperClient, plauditDomain, signedTallySchema, tallyTypedData } from "@plaudit/protocol";
import { privateKeyToAccount } from "viem/accounts";

const { KEEPER_URL, READER_KEY, CREATOR, ITEM_URL, SEQ = "1" } = process.env;
if (KEEPER_URL === undefined || READER_KEY === undefined || CREATOR === undefined) {
  console.error("usage: KEEPER_URL=… READER_KEY=0x… CREATOR=0x… [ITEM_URL=…] [SEQ=1] node post-tally.mjs");
  process.exit(2);
}

const keeper = createKeeperClient(KEEPER_URL);
const { chainId, pool } = await keeper.config();
const { epoch } = await keeper.currentEpoch();

const reader = privateKeyToAccount(READER_KEY);
const message = { reader: reader.address, epoch, seq: BigInt(SEQ), creators: [CREATOR], counts: [1] };
const signature = await reader.signTypedData(tallyTypedData(plauditDomain(chainId, pool), message));

// The wire form (docs/keeper-api.md): numbers that may exceed 2^53 as decimal strings.
const tally = {
  chainId,
  pool,
  reader: reader.address,
  signer: reader.address,
  epoch: epoch.toString(),
  seq: message.seq.toString(),
  creators: message.creators,
  counts: message.counts,
  signature,
  session: null,
};
signedTallySchema.parse(tally); // the same check the keeper makes first

const answer = await keeper.postTally(tally, ITEM_URL);
console.log(JSON.stringify({ ...answer, seq: "seq" in answer ? answer.seq.toString() : undefined }));
