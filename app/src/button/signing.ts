/**
 * The button's signing code, loaded only when a click needs it (main.ts imports it dynamically): viem,
 * zod, the keeper client and the click service. The ways to sign, chosen by main.ts:
 *   - `signHere`: the frame is first party (its top page is the dApp's origin);
 *   - `signApproved`: the frame sees the dApp's first-party storage (its own, where the browser does not
 *     partition it, or through a Storage Access handle) and the reader allowed its site this month;
 *   - `signWithGrant`: a partitioned frame whose site the reader approved this month in the click
 *     window; the grant (frameGrant.ts) is checked against the chain's month and the reader's session
 *     nonce before every signature, and deleted when its month is over or the key was revoked;
 *   - `clickThroughWindow`: the first-party click window signs, and may hand over a grant;
 *   - `flushQueue`: delivers what a grant signed while the keeper was away.
 */
import { epochAt, type KeeperClient } from "@plaudit/protocol";
import { parseDeployment, type AppDeployment } from "../config/deployment.js";
import { browserEnv, type StorageSource } from "../lib/browserEnv.js";
import type { ClickOutcome } from "../lib/clickFeedback.js";
import {
  approvedMessageSchema,
  clickResultSchema,
  grantMessageSchema,
  isFromOwnWindow,
  readyMessageSchema,
  type ClickRequestMessage,
  type StorageAccess,
} from "../lib/clickMessages.js";
import { clickItem, scheduleOf, type ClickEnv, type ClickResult } from "../lib/clickService.js";
import {
  clearFrameGrant,
  grantProblem,
  type GrantProblem,
  grantSession,
  loadFrameGrant,
  saveFrameGrant,
  type FrameGrant,
} from "../lib/frameGrant.js";
import { parseItem, type Item } from "../lib/item.js";
import { webLocks } from "../lib/locks.js";
import { siteApproved } from "../lib/siteApproval.js";
import { flush } from "../lib/outbox.js";
import { webStore } from "../lib/storage.js";
import type { AuthorisedMessage } from "../click/authorisation.js";

/** How long the button waits for the click window's answer. */
export const WINDOW_TIMEOUT_MS = 120_000;

export interface FrameContext {
  /** The button's own query string (creator and url). */
  search: string;
  /** plaudit.json as served. */
  configText: string;
}

interface Prepared {
  deployment: AppDeployment;
  item: Item;
}

function prepare(ctx: FrameContext): Prepared {
  return { deployment: parseDeployment(ctx.configText), item: parseItem(ctx.search) };
}

/** The outcome alone (the month and reader stay in this frame). */
function outcomeOf(result: ClickResult): ClickOutcome {
  const { epoch: _epoch, reader: _reader, ...outcome } = result;
  return outcome;
}

/** Signs as the dApp's own page: the frame's top page is the dApp's origin. */
export async function signHere(ctx: FrameContext): Promise<ClickOutcome> {
  const { deployment, item } = prepare(ctx);
  return outcomeOf(await clickItem(browserEnv(deployment), item));
}

/**
 * Signs with the dApp's first-party storage seen from this frame (its own storage where the browser
 * does not partition it, or a Storage Access handle's), if the reader allowed `site` for the chain's
 * current month there. "window" when it did not (or no longer does: a new month).
 */
export async function signApproved(
  ctx: FrameContext,
  site: string | undefined,
  source?: StorageSource,
): Promise<ClickOutcome | "window"> {
  const { deployment, item } = prepare(ctx);
  const env = browserEnv(deployment, source);
  const scope = { chainId: deployment.chainId, pool: deployment.pool };
  const time = env.chainTime();
  let epoch: bigint;
  try {
    epoch = epochAt(scheduleOf(deployment), await time);
  } catch {
    return { status: "error", message: "Not counted: the network cannot be reached; check your connection." };
  }
  if (!siteApproved(env.store, scope, site, epoch)) return "window";
  return outcomeOf(await clickItem({ ...env, chainTime: () => time }, item));
}

/** The partition's own storage and locks, with the grant's session as the signer. */
function grantEnv(deployment: AppDeployment, grant: FrameGrant): ClickEnv {
  const env = browserEnv(deployment);
  // One chain read of each per click, shared by the grant's check and the click service.
  const time = env.chainTime();
  const nonce = env.sessionNonce(grant.session.reader);
  return {
    ...env,
    chainTime: () => time,
    sessionNonce: (reader) => (BigInt(reader) === BigInt(grant.session.reader) ? nonce : env.sessionNonce(reader)),
    session: () => grant.session,
    sessionFor: (reader, signer) => grantSession(grant, reader, signer),
    countedElsewhere: grant.items,
  };
}

/**
 * Signs in this partitioned frame with its grant. "window" means the grant is missing or belongs to
 * another month: the click needs the click window (and a new approval) instead.
 */
export async function signWithGrant(ctx: FrameContext): Promise<ClickOutcome | "window"> {
  const { deployment, item } = prepare(ctx);
  const scope = { chainId: deployment.chainId, pool: deployment.pool };
  const store = webStore(window.localStorage);
  const grant = loadFrameGrant(store, scope);
  if (grant === undefined) return "window";
  const env = grantEnv(deployment, grant);
  let problem: GrantProblem | undefined;
  try {
    const epoch = epochAt(scheduleOf(deployment), await env.chainTime());
    const nonce = await env.sessionNonce?.(grant.session.reader).catch(() => undefined);
    problem = grantProblem(grant, epoch, nonce);
  } catch {
    return { status: "error", message: "Not counted: the network cannot be reached; check your connection." };
  }
  if (problem !== undefined) {
    // The key leaves this partition: a new month or a revoked key needs the reader again.
    clearFrameGrant(store, scope);
    if (problem === "other-month") return "window";
    return { status: problem };
  }
  const outcome = outcomeOf(await clickItem(env, item));
  if (outcome.status === "revoked" || outcome.status === "expired" || outcome.status === "no-session")
    clearFrameGrant(store, scope);
  return outcome;
}

/** Delivers what this partition's grant signed earlier (the keeper was away). */
export async function flushQueue(ctx: FrameContext): Promise<void> {
  const { deployment } = prepare(ctx);
  if (deployment.keeperUrl === undefined) return;
  const scope = { chainId: deployment.chainId, pool: deployment.pool };
  const store = webStore(window.localStorage);
  const grant = loadFrameGrant(store, scope);
  const env = browserEnv(deployment);
  await flush(
    {
      store,
      locks: webLocks(navigator.locks),
      scope,
      now: () => Date.now(),
      sessionFor: (reader, signer) => grantSession(grant, reader, signer),
    },
    env.keeper as KeeperClient,
  );
}

export interface WindowRequest {
  popup: Window;
  /**
   * Messages from any window, as they arrived since the window was opened (main.ts buffers them):
   * `drain` hands over those and every later one until `close`.
   */
  inbox: { drain(handler: (event: MessageEvent) => void): void; close(): void };
  /** Resolves true once the visibility evidence covers the click (at once without IntersectionObserver v2). */
  authorisation: Promise<boolean>;
  site: string | undefined;
  /** The name of the one-off mark this frame set in its own storage, or undefined when it has none. */
  probe: string | undefined;
  /** What the Storage Access API offers this frame (see `clickRequestSchema`). */
  storageAccess: StorageAccess;
  /** The reader allowed this site: a grant arrived and was stored here, or the window recorded the site. */
  onAllowed: (how: "grant" | "approved") => void;
}

/**
 * Hands the click to the click window: request, then the explicit go-ahead once `authorisation`
 * resolves true (on false the window is closed and the click refused), then the window's result, and
 * perhaps a grant. Accepts messages only from that window at this origin, checked with zod.
 */
export function clickThroughWindow(ctx: FrameContext, request: WindowRequest): Promise<ClickOutcome> {
  const { deployment, item } = prepare(ctx);
  const scope = { chainId: deployment.chainId, pool: deployment.pool };
  const { popup } = request;
  const requestId = crypto.randomUUID();
  return new Promise((resolve) => {
    let requested = false;
    let answered = false;
    const done = (outcome: ClickOutcome) => {
      if (answered) return;
      answered = true;
      resolve(outcome);
    };
    const stopAt = Date.now() + WINDOW_TIMEOUT_MS;
    const timer = setInterval(() => {
      // Before its answer the window has WINDOW_TIMEOUT_MS; after it, as long as it stays open (the reader
      // may take a while to answer its question).
      if (!popup.closed && (answered || Date.now() < stopAt)) return;
      clearInterval(timer);
      request.inbox.close();
      done({ status: "window-timeout" });
    }, 500);
    request.inbox.drain((event) => {
      if (!isFromOwnWindow(event, popup, location.origin)) return;
      if (readyMessageSchema.safeParse(event.data).success) {
        if (requested) return;
        requested = true;
        const message: ClickRequestMessage = {
          type: "plaudit:click",
          requestId,
          creator: item.creator,
          url: item.url,
          ...(item.title === undefined ? {} : { title: item.title }),
          ...(request.site === undefined ? {} : { site: request.site }),
          storage: request.probe === undefined ? "none" : { probe: request.probe },
          storageAccess: request.storageAccess,
        };
        popup.postMessage(message, location.origin);
        void request.authorisation.then((ok) => {
          if (ok) {
            popup.postMessage({ type: "plaudit:authorised", requestId } satisfies AuthorisedMessage, location.origin);
            return;
          }
          popup.close();
          request.inbox.close();
          clearInterval(timer);
          done({ status: "not-visible" });
        });
        return;
      }
      const result = clickResultSchema.safeParse(event.data);
      if (result.success && result.data.requestId === requestId) return done(result.data.outcome);
      // A grant only ever goes to a frame with storage of its own (the window judged it a partition).
      const grant = grantMessageSchema.safeParse(event.data);
      if (request.probe !== undefined && grant.success && grant.data.requestId === requestId) {
        saveFrameGrant(webStore(window.localStorage), scope, grant.data.grant);
        request.onAllowed("grant");
        return;
      }
      const approved = approvedMessageSchema.safeParse(event.data);
      if (approved.success && approved.data.requestId === requestId) request.onAllowed("approved");
    });
  });
}
