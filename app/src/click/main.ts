/**
 * The first-party click window. It is a top-level page of the dApp's origin, so it reaches the session
 * key in unpartitioned storage. It takes its orders only from the window that opened it, and only if
 * that window is of this same origin (the button iframe): a page that opens click.html itself never
 * receives "ready" (targetOrigin) and cannot send a valid request. It signs only after the button's
 * explicit "plaudit:authorised" for the request (see authorisation.ts), which the button sends once its
 * visibility evidence covers the click; without it, it refuses.
 *
 * Then, when the click can count and the reader did not say "not now" on this site this month, the
 * window asks whether this site's buttons may sign without it until the month ends. Only on the
 * reader's own click on "Allow" does it act, in the way the frame's storage allows:
 *   - the frame reaches this window's first-party storage, its own (a browser that does not partition
 *     third-party storage) or through the Storage Access API without asking (Chrome with third-party
 *     cookies allowed): the site is recorded as allowed there (siteApproval.ts), and the frame signs
 *     there from then on;
 *   - the frame has a partition of its own and no Storage Access without asking (Firefox, Safari,
 *     Chrome with third-party cookies blocked): it is handed a grant holding the one-click key for the
 *     rest of the month (frameGrant.ts), posted to the opener at this origin only;
 *   - the frame has no storage at all but may ask for Storage Access: the site is recorded as allowed,
 *     and the frame asks the browser on its next click.
 */
import { addressSchema } from "@plaudit/protocol";
import { loadDeployment, type AppDeployment } from "../config/deployment.js";
import { browserEnv } from "../lib/browserEnv.js";
import { clickFeedback, type ClickOutcome, type Feedback } from "../lib/clickFeedback.js";
import {
  clickRequestSchema,
  isFromOwnWindow,
  type ApprovedMessage,
  type ClickRequestMessage,
  type ClickResultMessage,
  type GrantMessage,
} from "../lib/clickMessages.js";
import { clickItem, scheduleOf } from "../lib/clickService.js";
import { grantFor } from "../lib/frameGrant.js";
import { keys, type Scope } from "../lib/recordKeys.js";
import { approveSite, declineSite, isSiteName, siteDeclined } from "../lib/siteApproval.js";
import { itemKey, normalizeItemUrl, withTitle, type Item } from "../lib/item.js";
import { loadActiveSession } from "../lib/session.js";
import { webStore } from "../lib/storage.js";
import { AUTHORISATION_TIMEOUT_MS, authorises } from "./authorisation.js";

/** How long a result stays on screen before the window closes itself (none when the reader must act or read). */
const CLOSE_AFTER_MS = { ok: 1_500, queued: 4_000 } as const;

const titleEl = document.getElementById("title") as HTMLHeadingElement;
const detailEl = document.getElementById("detail") as HTMLParagraphElement;
const itemEl = document.getElementById("item") as HTMLParagraphElement;
const linkEl = document.getElementById("open-app") as HTMLAnchorElement;
const grantEl = document.getElementById("grant") as HTMLElement;
const grantSiteEls = document.querySelectorAll<HTMLElement>("[data-grant-site]");
const grantExplainEl = document.getElementById("grant-explain") as HTMLParagraphElement;
const allowEl = document.getElementById("grant-allow") as HTMLButtonElement;
const declineEl = document.getElementById("grant-decline") as HTMLButtonElement;
const closeEl = document.getElementById("close") as HTMLButtonElement;

type Kind = "info" | Feedback["tone"];

function show(title: string, detail: string, kind: Kind) {
  titleEl.textContent = title;
  detailEl.textContent = detail;
  document.body.dataset.kind = kind;
}

const HEADINGS: Record<Feedback["tone"], (feedback: Feedback) => string> = {
  ok: (feedback) => feedback.label,
  queued: () => "Not counted yet",
  error: () => "Not counted",
};

function closeSoon(ms: number) {
  setTimeout(() => window.close(), ms);
}

/** The month's end as the reader reads dates. */
function dateOf(seconds: string): string {
  return new Date(Number(seconds) * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** How the button frame can keep what "Allow" gives it (see the comment at the top). */
type FrameStorage = "shared" | "storage-access" | "partition" | "none";

/**
 * How the frame reaches storage: the dApp's own (it shares this window's, or has Storage Access without
 * asking), a partition of its own (it gets a grant), or none until the browser grants Storage Access
 * (it will ask); undefined when nothing can spare the window.
 */
function frameStorage(
  req: ClickRequestMessage,
  get: (key: string) => string | null,
  scope: Scope,
): FrameStorage | undefined {
  if (req.storage !== "none" && get(keys.storageProbe(scope, req.storage.probe)) !== null) return "shared";
  if (req.storageAccess === "granted") return "storage-access";
  if (req.storage !== "none") return "partition";
  return req.storageAccess === "requestable" ? "none" : undefined;
}

const EXPLAIN: Record<FrameStorage, (site: string) => string> = {
  shared: () => "Turning one-click mode off in the Plaudit app stops them.",
  "storage-access": () => "Turning one-click mode off in the Plaudit app stops them.",
  partition: (site) =>
    `To do so they keep a copy of your one-click key, on ${site} only, until then. "Turn off and revoke every key on chain" in the Plaudit app stops them at once.`,
  none: (site) =>
    `Your browser will ask once whether Plaudit may use its data on ${site}: allow it. Turning one-click mode off in the Plaudit app stops them.`,
};

/** A grant makes sense when clicks of this month can count: the key works and the month has a budget. */
function grantable(outcome: ClickOutcome): boolean {
  if (clickFeedback(outcome).tone === "error") return false;
  if (outcome.status === "queued") return outcome.reason !== "no-budget";
  if (outcome.status === "already") return outcome.pending !== "no-budget";
  return true;
}

async function start() {
  linkEl.href = new URL("./#/reader", location.href).href;
  closeEl.addEventListener("click", () => window.close());
  const opener = window.opener as Window | null;
  if (opener === null) {
    show("Nothing to sign", "This window opens from a Plaudit button.", "error");
    return;
  }
  const deploymentPromise = loadDeployment();
  let request: ClickRequestMessage | undefined;
  let authorisationTimer: ReturnType<typeof setTimeout> | undefined;
  let signing = false;
  const post = (message: ClickResultMessage | GrantMessage | ApprovedMessage) =>
    opener.postMessage(message, location.origin);
  const reply = (outcome: ClickOutcome) => {
    if (request !== undefined) post({ type: "plaudit:result", requestId: request.requestId, outcome });
  };

  window.addEventListener("message", (event) => {
    if (signing || !isFromOwnWindow(event, opener, location.origin)) return;
    if (request === undefined) {
      const parsed = clickRequestSchema.safeParse(event.data);
      if (!parsed.success) return;
      request = parsed.data;
      show("Confirming your click…", "Waiting for the button to confirm it was visible.", "info");
      authorisationTimer = setTimeout(() => {
        signing = true;
        reply({ status: "not-visible" });
        show("Not counted", clickFeedback({ status: "not-visible" }).sentence, "error");
      }, AUTHORISATION_TIMEOUT_MS);
      return;
    }
    // Nothing is signed on a request alone: only the button's go-ahead for this very request starts it.
    if (!authorises(event.data, request.requestId)) return;
    signing = true;
    clearTimeout(authorisationTimer);
    void sign(request);
  });

  async function sign(req: ClickRequestMessage) {
    const fail = (outcome: ClickOutcome) => {
      reply(outcome);
      show("Not counted", clickFeedback(outcome).sentence, "error");
      closeEl.hidden = false;
    };
    let item: Item;
    try {
      item = withTitle({ creator: addressSchema.parse(req.creator), url: normalizeItemUrl(req.url) }, req.title);
    } catch {
      return fail({ status: "error", message: "Not counted: this button names no valid creator or item." });
    }
    // As text: the title is whatever the embedding page declared.
    itemEl.textContent = item.title === undefined ? item.url : `${item.title} — ${item.url}`;
    show("Applauding…", "Signing your click in this browser.", "info");
    let deployment: AppDeployment;
    try {
      deployment = await deploymentPromise;
    } catch (error) {
      const detail = error instanceof Error ? ` (${error.message.slice(0, 200)})` : "";
      return fail({ status: "error", message: `Not counted: Plaudit is not set up on this server${detail}.` });
    }
    const result = await clickItem(browserEnv(deployment), item);
    const { epoch, reader: _reader, ...outcome } = result;
    reply(outcome);
    const feedback = clickFeedback(outcome);
    show(HEADINGS[feedback.tone](feedback), feedback.sentence, feedback.tone);
    if (epoch !== undefined && grantable(outcome) && offerGrant(req, deployment, item, BigInt(epoch))) return;
    // A refusal, or a month without a budget, stays on screen until the reader closes the window.
    if (feedback.tone === "error" || !grantable(outcome)) closeEl.hidden = false;
    else closeSoon(feedback.tone === "ok" ? CLOSE_AFTER_MS.ok : CLOSE_AFTER_MS.queued);
  }

  /** Asks the reader about this site when that can spare later windows; false when it does not ask. */
  function offerGrant(req: ClickRequestMessage, deployment: AppDeployment, item: Item, epoch: bigint): boolean {
    const scope = { chainId: deployment.chainId, pool: deployment.pool };
    const store = webStore(window.localStorage);
    const storage = frameStorage(req, store.get.bind(store), scope);
    const site = req.site;
    // Without a site name nothing can be recorded for it; without any storage, nothing helps.
    if (storage === undefined) return false;
    if (storage !== "partition" && (site === undefined || !isSiteName(site))) return false;
    if (siteDeclined(store, scope, site, epoch)) return false;
    const session = loadActiveSession(store, scope);
    if (session === undefined) return false;
    const name = site ?? "this site";
    const grant = grantFor(session, scheduleOf(deployment), epoch, name, [itemKey(item)], Date.now());
    if ("problem" in grant) return false;
    const until = dateOf(grant.until);
    for (const el of grantSiteEls) el.textContent = name;
    // Without IntersectionObserver v2 (this very browser) nothing tells a hidden button from a visible one.
    const checked =
      typeof IntersectionObserverEntry !== "undefined" && "isVisible" in IntersectionObserverEntry.prototype
        ? " Each click is still checked: the button must be fully visible."
        : " This browser cannot tell Plaudit whether its button is hidden under something else, so allow only a site you trust.";
    grantExplainEl.textContent = `Plaudit buttons on ${name} can count your clicks without opening this window until ${until}. ${EXPLAIN[storage](name)}${checked}`;
    grantEl.hidden = false;
    allowEl.addEventListener("click", (event) => {
      if (!event.isTrusted) return;
      if (storage === "partition") post({ type: "plaudit:grant", requestId: req.requestId, grant });
      else if (site !== undefined) {
        approveSite(store, scope, site, epoch);
        post({ type: "plaudit:approved", requestId: req.requestId, epoch: epoch.toString() });
      }
      grantEl.hidden = true;
      const next = storage === "none" ? ` Your browser may ask you once on ${name}: allow it.` : "";
      show("Allowed", `Buttons on ${name} count your clicks without this window until ${until}.${next}`, "ok");
      closeSoon(storage === "none" ? CLOSE_AFTER_MS.queued : CLOSE_AFTER_MS.ok);
    });
    declineEl.addEventListener("click", (event) => {
      if (!event.isTrusted) return;
      if (site !== undefined) declineSite(store, scope, site, epoch);
      window.close();
    });
    return true;
  }

  opener.postMessage({ type: "plaudit:ready" }, location.origin);
}

void start();
