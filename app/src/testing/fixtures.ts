/** Shared fixtures of the unit tests: a scope, a reader with a delegated session, a fake keeper. */
import { getAddress, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  postTallyRequestSchema,
  RELAY_ACTIONS,
  RELAY_REQUEST_SCHEMAS,
  profileTypedData,
  signedProfileSchema,
  toWireTally,
  type RelayAction,
  type ProfileMessage,
  type RelayStatus,
  type SignedProfile,
  type SignedTally,
} from "@plaudit/protocol";
import { createKeeperClient, type KeeperClient } from "@plaudit/protocol";
import { mutexLocks } from "../lib/locks.js";
import type { Scope } from "../lib/records.js";
import { newSessionKey, saveSession, sessionRequest } from "../lib/session.js";
import { memoryStore } from "../lib/storage.js";

export const scope: Scope = { chainId: 31337, pool: getAddress("0x5fbdb2315678afecb367f032d93f642f64180aa3") };
export const schedule = { startTime: 1_700_000_000n, epochLength: 2_592_000n };
/** The pool's token in unit tests (never a creator). */
export const token = getAddress("0x00000000000000000000000000000000000000e0");
export const creatorA = getAddress("0x00000000000000000000000000000000000000a1");
export const creatorB = getAddress("0x00000000000000000000000000000000000000b2");

/** A reader's browser with a delegated session key; pass the reader's account for a second device. */
export async function readerWithSession(epochs = 3, readerAccount = privateKeyToAccount(generatePrivateKey())) {
  const store = memoryStore();
  const locks = mutexLocks();
  let clock = 1_000;
  const now = () => clock;
  const pending = newSessionKey(schedule, 0n, epochs, 0);
  const signature = await readerAccount.signTypedData(sessionRequest(scope, readerAccount.address, pending));
  const session = saveSession(store, scope, readerAccount.address, pending, signature, now());
  return {
    store,
    locks,
    now,
    advance: (ms: number) => void (clock += ms),
    readerAccount,
    session,
    deps: { store, locks, scope, token, now },
  };
}

/**
 * A keeper that behaves like the real API for POST /v1/tallies (validates the body, rejects a seq not
 * above the stored one unless it is the very same tally, answers 201/200/4xx) and GET
 * /v1/readers/:reader/tallies, and can be switched off to simulate an outage.
 */
export function fakeKeeper() {
  const latest = new Map<string, SignedTally>();
  const items: string[] = [];
  /** The title sent with each stored item, in order (undefined where none was). */
  const titles: (string | undefined)[] = [];
  const state = { up: true, posts: 0, rejectWith: undefined as undefined | { status: number; code: string } };
  const fetchImpl: typeof fetch = async (input, init) => {
    if (!state.up) throw new TypeError("fetch failed");
    const url = new URL(String(input));
    const readerPath = /^\/v1\/readers\/(0x[0-9a-fA-F]{40})\/tallies$/.exec(url.pathname);
    if (readerPath !== null && (init?.method ?? "GET") === "GET") {
      const epoch = BigInt(url.searchParams.get("epoch") ?? "0");
      const tallies = [...latest.values()].filter(
        (t) => BigInt(t.reader) === BigInt(readerPath[1] as string) && t.epoch === epoch,
      );
      return Response.json({ epoch: epoch.toString(), tallies: tallies.map(toWireTally) });
    }
    if (url.pathname !== "/v1/tallies" || init?.method !== "POST") return Response.json({}, { status: 404 });
    state.posts++;
    if (state.rejectWith !== undefined) {
      const { status, code } = state.rejectWith;
      return Response.json({ error: { code, message: `refused: ${code}` } }, { status });
    }
    const parsed = postTallyRequestSchema.safeParse(JSON.parse(String(init.body)));
    if (!parsed.success) return Response.json({ error: { code: "invalid_body", message: "bad" } }, { status: 400 });
    const body = parsed.data;
    const tally = body.tally;
    const key = `${tally.reader}:${tally.signer}:${tally.epoch}`;
    const previous = latest.get(key);
    if (previous !== undefined && previous.seq === tally.seq && previous.signature === tally.signature)
      return Response.json({ status: "unchanged" }, { status: 200 });
    if (previous !== undefined && previous.seq >= tally.seq) {
      return Response.json({ error: { code: "stale_sequence", message: "older than stored" } }, { status: 409 });
    }
    latest.set(key, tally);
    if (body.item !== undefined) {
      items.push(body.item);
      titles.push(body.title);
    }
    return Response.json({ status: "stored", seq: tally.seq.toString() }, { status: 201 });
  };
  const client: KeeperClient = createKeeperClient("http://keeper.test", { fetch: fetchImpl, timeoutMs: 1000 });
  return {
    client,
    state,
    latest,
    items,
    titles,
    latestFor: (reader: Address, signer: Address, epoch: bigint) => latest.get(`${reader}:${signer}:${epoch}`),
  };
}

/**
 * The keeper's relay as the real API answers it: `POST /v1/relay/<action>` validated against the protocol's
 * request schema (202 with the hash it sent, or the refusal set in `refuseWith`), then
 * `GET /v1/relay/transactions/:hash` answering `statuses` in turn (the last one repeats).
 */
export function fakeRelay(statuses: RelayStatus[] = ["pending", "confirmed"]) {
  const posted: { action: RelayAction; body: unknown }[] = [];
  const state = { refuseWith: undefined as undefined | { status: number; code: string }, polls: 0 };
  const hash: Hex = `0x${"ab".repeat(32)}`;
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    const post = /^\/v1\/relay\/([a-z-]+)$/.exec(url.pathname);
    if (post !== null && init?.method === "POST") {
      const action = post[1] as RelayAction;
      if (!RELAY_ACTIONS.includes(action)) return Response.json({}, { status: 404 });
      if (state.refuseWith !== undefined) {
        const { status, code } = state.refuseWith;
        return Response.json({ error: { code, message: `refused: ${code}` } }, { status });
      }
      const body: unknown = JSON.parse(String(init.body));
      if (!RELAY_REQUEST_SCHEMAS[action].safeParse(body).success)
        return Response.json({ error: { code: "invalid_body", message: "bad" } }, { status: 400 });
      posted.push({ action, body });
      return Response.json({ hash, action, status: "pending" }, { status: 202 });
    }
    if (url.pathname === `/v1/relay/transactions/${hash}`) {
      const status = statuses[Math.min(state.polls, statuses.length - 1)] ?? "pending";
      state.polls++;
      const action = posted.at(-1)?.action ?? "claim";
      const mined = status === "pending" ? null : "7";
      return Response.json({ hash, action, account: creatorA, status, blockNumber: mined, gasUsed: mined });
    }
    return Response.json({ error: { code: "not_found", message: "no route" } }, { status: 404 });
  };
  const client: KeeperClient = createKeeperClient("http://keeper.test", { fetch: fetchImpl, timeoutMs: 1000 });
  return { client, posted, state, hash };
}

/** A creator's profile signed by `account` (an EOA) on the scope's chain, as a keeper serves it. */
export async function signedProfileBy(
  account: ReturnType<typeof privateKeyToAccount>,
  fields: Partial<Omit<ProfileMessage, "creator">> = {},
): Promise<SignedProfile> {
  const message: ProfileMessage = {
    creator: account.address,
    name: "Ada Lovelace",
    bio: "Notes on the analytical engine.",
    avatar: "https://ada.example/avatar.png",
    website: "https://ada.example/",
    links: ["https://social.example/@ada"],
    version: 1n,
    ...fields,
  };
  const typed = profileTypedData(scope.chainId, message);
  const signature = await account.signTypedData({
    ...typed,
    message: { ...typed.message, links: [...typed.message.links] },
  });
  return signedProfileSchema.parse({
    chainId: scope.chainId,
    ...message,
    version: message.version.toString(),
    signature,
  });
}
