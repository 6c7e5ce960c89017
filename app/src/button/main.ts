/**
 * The embeddable button (button.html?creator=0x..&url=..), served from the dApp's origin inside an
 * iframe on a creator's site. This first-load script is small: it shows the item's count and whether
 * this reader applauded it, watches the button's visibility, and loads the signing code (signing.ts:
 * viem, zod, the keeper client) only when a click needs it.
 *
 * On a real click (a trusted user gesture) it first waits until its IntersectionObserver v2 evidence
 * covers the click: visible, unchanged, from 500 ms before the pointerdown until a report computed two
 * observer periods after the click (visibilityGate.ts); a button hidden or covered just as the click
 * lands is refused. Then it signs:
 *   1. here, when the frame is not partitioned off at all (its top page is the dApp's own origin);
 *   2. here, with the dApp's first-party storage, when the frame reaches it without asking anyone (the
 *      Storage Access API where the browser grants it silently: Chrome with third-party cookies allowed,
 *      or an earlier grant; or a browser that does not partition third-party storage) and the reader
 *      allowed this site for this month in the click window (lib/siteApproval.ts);
 *   3. here, with this site's frame grant, when the frame has a partition of its own and no such access
 *      (Firefox, Safari, Chrome with third-party cookies blocked) and the reader allowed this site for
 *      this month in the click window (lib/frameGrant.ts);
 *   4. here, through Storage Access the browser may ask the reader for, right after the reader allowed
 *      the site, when the frame has no storage at all;
 *   5. else in the first-party click window (click.html), which counts the click and may ask the reader
 *      to allow the site: at most one window per site and month.
 * The embedding page cannot start a click: it cannot send trusted events into a cross-origin iframe,
 * and both windows ignore every message that is not from each other at the dApp's origin.
 */
import { normalizeItemUrl } from "@plaudit/protocol";
import { clickFeedback, type ClickOutcome } from "../lib/clickFeedback.js";
import type { StorageAccess } from "../lib/clickMessages.js";
import { keys } from "../lib/recordKeys.js";
import { siteApproved } from "../lib/siteApproval.js";
import { webStore, type KeyValueStore } from "../lib/storage.js";
import {
  activeReader,
  applauded,
  clicksOfAnswer,
  epochByClock,
  epochOfAnswer,
  grantReader,
  hasQueue,
  parseLightConfig,
  type LightConfig,
} from "./lightState.js";
import { canRequestStorageAccess, storageAccessSource, storageAccessWithoutAsking } from "./storageAccess.js";
import { watchVisibility } from "./visibilityWatch.js";

/** The button's description before any click. */
const GREETING = "Applaud this item with Plaudit: one click per month.";
/** How long a click's outcome replaces the button's label. */
const FEEDBACK_MS = 5_000;

const button = document.getElementById("plaudit-button") as HTMLButtonElement;
const labelEl = document.getElementById("plaudit-label") as HTMLSpanElement;
const countEl = document.getElementById("plaudit-count") as HTMLSpanElement;
const statusEl = document.getElementById("plaudit-status") as HTMLDivElement;
const creatorLink = document.getElementById("plaudit-creator") as HTMLAnchorElement;
const tipLink = document.getElementById("plaudit-tip") as HTMLAnchorElement;
const linksEl = document.getElementById("plaudit-links") as HTMLDivElement;

const view = {
  count: undefined as number | undefined,
  mine: undefined as "counted" | "queued" | undefined,
  /** A click's outcome, shown in place of the label until `until`. */
  feedback: undefined as { label: string; tone: string; until: number } | undefined,
  /** The creator line is filled in (the button names a valid creator and found its configuration). */
  creatorLine: false,
};
let feedbackTimer: ReturnType<typeof setTimeout> | undefined;

function render() {
  const now = performance.now();
  const feedback = view.feedback !== undefined && view.feedback.until > now ? view.feedback : undefined;
  labelEl.textContent =
    feedback?.label ?? (view.mine === "counted" ? "Applauded" : view.mine === "queued" ? "Queued" : "Applaud");
  button.dataset.tone = feedback?.tone ?? "";
  // A click's outcome takes the whole row for its few seconds; the creator line comes back after.
  linksEl.hidden = !view.creatorLine || feedback !== undefined;
  countEl.textContent = view.count === undefined ? "–" : String(view.count);
  if (view.mine === "counted") button.dataset.clicked = "true";
  else delete button.dataset.clicked;
  countEl.title = "Readers who applauded this item this month";
}

/** Says `sentence` to screen readers (the button's description) and as its tooltip. */
function say(sentence: string) {
  statusEl.textContent = sentence;
  button.title = sentence;
}

function showOutcome(outcome: ClickOutcome) {
  const feedback = clickFeedback(outcome);
  if ("itemClicks" in outcome && outcome.itemClicks !== undefined) view.count = outcome.itemClicks;
  if (feedback.applauded) view.mine = "counted";
  else if (outcome.status === "queued" || (outcome.status === "already" && outcome.pending !== undefined))
    view.mine = "queued";
  view.feedback = { label: feedback.label, tone: feedback.tone, until: performance.now() + FEEDBACK_MS };
  button.dataset.outcome = outcome.status;
  say(feedback.sentence);
  render();
  clearTimeout(feedbackTimer);
  feedbackTimer = setTimeout(render, FEEDBACK_MS + 1);
}

function topIsSameOrigin(): boolean {
  if (window.top === window) return true;
  try {
    return window.top?.location.origin === location.origin;
  } catch {
    return false;
  }
}

/** The host of the page this button sits on, for the click window to name (undefined when hidden). */
function embeddingSite(): string | undefined {
  const ancestors = location.ancestorOrigins as DOMStringList | undefined;
  const top = ancestors !== undefined && ancestors.length > 0 ? ancestors[ancestors.length - 1] : document.referrer;
  try {
    return top ? new URL(top).hostname || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** The signing code, loaded once, on the first sign of a click coming (pointer down, focus, click). */
let signingModule: Promise<typeof import("./signing.js")> | undefined;
const signing = () => (signingModule ??= import("./signing.js"));

/**
 * Watched from the first moment: the whole document (the button's frame), not the button itself, whose
 * own dimmed look while disabled is not the embedder's doing. A cover over any part of the frame or
 * any opacity applied to it by the embedding page reads as "not visible".
 */
const visibility = watchVisibility(document.body);

/**
 * The creator line: "by 0x14dC…9955" (the creator's verified name once creatorProfile.ts has checked
 * it, after first paint) linking to the creator's public page, and "Tip" to its tip page, both in the
 * dApp (this frame's origin) in a new window without an opener. Each is a plain link to a page that
 * shows everything and moves nothing without the reader acting there, so it is no way around the
 * clickjacking gate; still, like the button, the links work only once the frame was steadily visible.
 */
function showCreatorLine(creator: string, configText: string) {
  const app = new URL("./", location.href);
  creatorLink.textContent = `by ${creator.slice(0, 6)}…${creator.slice(-4)}`;
  creatorLink.title = "The creator's page on Plaudit (opens a new window)";
  view.creatorLine = true;
  render();
  void visibility.steadilyVisible().then(() => {
    creatorLink.href = new URL(`#/c/${creator}`, app).href;
    tipLink.href = new URL(`#/tip/${creator}`, app).href;
  });
  const load = () =>
    void import("./creatorProfile.js")
      .then((module) => module.showVerifiedCreator(configText, creator as `0x${string}`, creatorLink))
      .then((name) => {
        // The button's own tooltip names the creator too, unless a click's outcome is being shown.
        if (name !== undefined && statusEl.textContent === GREETING)
          say(`Applaud this item by ${name} with Plaudit: one click per month.`);
      })
      .catch(() => undefined);
  // After first paint, when the frame is idle: the name is a nicety, the count and the click come first.
  if ("requestIdleCallback" in window) requestIdleCallback(load, { timeout: 2_000 });
  else setTimeout(load, 200);
}

async function start() {
  let config: LightConfig;
  let configText: string;
  let item: { creator: string; url: string };
  try {
    const params = new URLSearchParams(location.search);
    const creator = params.get("creator") ?? "";
    if (!/^0x[0-9a-fA-F]{40}$/.test(creator)) throw new Error("This button names no creator address.");
    item = { creator, url: normalizeItemUrl(params.get("url") ?? "") };
    const response = await fetch(new URL("plaudit.json", document.baseURI), { cache: "no-store" });
    if (!response.ok) throw new Error(`Plaudit is not set up here (plaudit.json: HTTP ${response.status}).`);
    configText = await response.text();
    config = parseLightConfig(configText);
  } catch (error) {
    button.disabled = true;
    labelEl.textContent = "Unavailable";
    say(error instanceof Error ? error.message : String(error));
    return;
  }
  showCreatorLine(item.creator, configText);
  const ctx = { search: location.search, configText };
  const sameOrigin = topIsSameOrigin();
  /**
   * Only a button that the site's own top-level page embeds may sign without a window; one inside
   * another party's frame on that site (an ad, a widget) always goes through the window, which then
   * offers nothing.
   */
  const direct = window.parent === window.top;
  const site = sameOrigin || !direct ? undefined : embeddingSite();
  /** This frame's own storage; none where the browser blocks third-party storage. */
  const store: KeyValueStore | undefined = (() => {
    try {
      const storage = window.localStorage;
      storage.getItem(keys.activeReader(config.scope));
      return webStore(storage);
    } catch {
      return undefined;
    }
  })();
  /** What the Storage Access API offers this frame: "granted" without asking, "requestable", or "none". */
  let storageAccess: StorageAccess = !sameOrigin && direct && canRequestStorageAccess() ? "requestable" : "none";
  /** The first-party storage seen through Storage Access, once granted without asking (for display). */
  let firstParty: KeyValueStore | undefined;
  /** The reader just allowed this site and this frame has no storage: its next click asks the browser. */
  let askOnNextClick = false;
  if (storageAccess === "requestable")
    void storageAccessWithoutAsking().then(async (granted) => {
      if (!granted) return;
      storageAccess = "granted";
      const source = await storageAccessSource();
      if (source !== undefined) firstParty = webStore(source.localStorage);
      refreshMine();
    });

  // The month, from the keeper (chain time) when it answers, else by this device's clock.
  let epoch = epochByClock(config, Date.now());
  const keeper = config.keeperUrl;
  const refreshMine = () => {
    const shown = firstParty ?? store;
    if (shown === undefined) return;
    const reader =
      activeReader(shown, config.scope) ?? (sameOrigin ? undefined : grantReader(shown, config.scope, epoch));
    view.mine = reader === undefined ? undefined : applauded(shown, config.scope, reader, epoch, item);
    render();
  };
  refreshMine();
  say(GREETING);
  if (keeper !== undefined) {
    void (async () => {
      try {
        const current = epochOfAnswer(await (await fetch(`${keeper}/v1/epochs/current`)).json());
        if (current === undefined) throw new Error("unexpected answer");
        epoch = current;
        refreshMine();
        const query = new URLSearchParams({ creator: item.creator, url: item.url, epoch: epoch.toString() });
        view.count = clicksOfAnswer(await (await fetch(`${keeper}/v1/items/clicks?${query.toString()}`)).json());
        render();
      } catch {
        say("Plaudit's keeper cannot be reached; clicks are still kept in this browser.");
      }
    })();
    // Clicks this site's grant signed while the keeper was away go out now.
    if (!sameOrigin && store !== undefined && grantReader(store, config.scope, epoch) && hasQueue(store, config.scope))
      void signing()
        .then((module) => module.flushQueue(ctx))
        .then(refreshMine)
        .catch(() => undefined);
  }

  /** The last trusted pointerdown on the button: the gesture starts there, not at the click. */
  let pointerDownTime: number | undefined;
  button.addEventListener("pointerdown", (event) => {
    if (!event.isTrusted) return;
    pointerDownTime = event.timeStamp;
    void signing();
  });
  button.addEventListener("focus", () => void signing());
  /** A click is being checked or signed: further clicks are ignored (the button stays focusable). */
  let busy = false;
  const setBusy = (value: boolean) => {
    busy = value;
    button.setAttribute("aria-busy", String(value));
  };

  /** Messages arrive from the click window before the signing code may have loaded: keep them. */
  function openInbox() {
    const kept: MessageEvent[] = [];
    let handler: ((event: MessageEvent) => void) | undefined;
    const listener = (event: MessageEvent) => (handler === undefined ? kept.push(event) : handler(event));
    window.addEventListener("message", listener);
    return {
      drain(next: (event: MessageEvent) => void) {
        handler = next;
        for (const event of kept.splice(0)) next(event);
      },
      close: () => window.removeEventListener("message", listener),
    };
  }

  /**
   * The click window this frame opened, while it is open. Its answer can come before the window closes
   * (it may still ask the reader about this site): until it closes, a click brings it forward instead of
   * opening a second window that would ask the same question.
   */
  let openWindow: Window | undefined;
  const windowStillOpen = () => {
    if (openWindow?.closed === false) return true;
    openWindow = undefined;
    return false;
  };

  /** Opens the click window; must run while the click's user activation lasts (pop-up blockers). */
  function throughWindow(authorisation: Promise<boolean>) {
    if (windowStillOpen()) {
      openWindow?.focus();
      return say("The Plaudit window of your last click is still open: answer or close it first.");
    }
    const popup = window.open(
      new URL("click.html", location.href).href,
      `plaudit-click-${crypto.randomUUID()}`,
      "popup,width=440,height=460",
    );
    if (popup === null) return void showOutcome({ status: "popup-blocked" });
    openWindow = popup;
    const inbox = openInbox();
    setBusy(true);
    say("Applauding in the Plaudit window…");
    // A one-off mark in this frame's storage: the window finds it only if it shares that storage.
    let probe: string | undefined;
    if (store !== undefined && direct) {
      probe = crypto.randomUUID();
      const mark = keys.storageProbe(config.scope, probe);
      store.set(mark, "1");
      const sweep = setInterval(() => {
        if (!popup.closed) return;
        clearInterval(sweep);
        store.remove(mark);
      }, 1_000);
    }
    void signing()
      .then((module) =>
        module.clickThroughWindow(ctx, {
          popup,
          inbox,
          authorisation,
          site,
          probe,
          storageAccess: direct ? storageAccess : "none",
          onAllowed: (how) => {
            if (how === "approved" && store === undefined && storageAccess === "requestable") askOnNextClick = true;
            refreshMine();
          },
        }),
      )
      .then(showOutcome, () => showOutcome({ status: "error" }))
      .finally(() => {
        setBusy(false);
        refreshMine();
      });
  }

  type Way = "here" | "approved" | "grant" | "storage-access" | "window";

  /** Which way this click is signed, decided from what this frame can see right now. */
  function route(): Way {
    if (sameOrigin) return "here";
    if (!direct) return "window";
    if (store !== undefined) {
      // Approvals live in first-party storage only: found here, this frame's storage is the dApp's.
      if (siteApproved(store, config.scope, site, epoch)) return "approved";
      if (grantReader(store, config.scope, epoch) !== undefined) return "grant";
    }
    return storageAccess === "granted" || askOnNextClick ? "storage-access" : "window";
  }

  /** Signs in this frame (see the list at the top); falls back to the window when that is not possible. */
  async function inFrame(how: Exclude<Way, "window">) {
    setBusy(true);
    say("Applauding…");
    let handedToWindow = false;
    try {
      const module = await signing();
      let outcome: ClickOutcome | "window";
      if (how === "here") outcome = await module.signHere(ctx);
      else if (how === "approved") outcome = await module.signApproved(ctx, site);
      else if (how === "grant") outcome = await module.signWithGrant(ctx);
      else {
        const source = await storageAccessSource();
        askOnNextClick = false;
        if (source === undefined) {
          // Refused, or granted without the storage: the window from the next click on.
          storageAccess = "none";
          outcome = { status: "storage-denied" };
        } else outcome = await module.signApproved(ctx, site, source);
      }
      if (outcome !== "window") return showOutcome(outcome);
      // Not allowed here (any more: a new month): the window, if the click's user activation still lasts.
      const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
      if (activation !== undefined && !activation.isActive) return showOutcome({ status: "too-slow" });
      handedToWindow = true;
      throughWindow(Promise.resolve(true));
    } catch {
      showOutcome({ status: "error" });
    } finally {
      if (!handedToWindow) setBusy(false);
      refreshMine();
    }
  }

  // Clickable only once it has been fully visible for a moment (see visibilityGate.ts).
  void visibility.steadilyVisible().then(() => (button.disabled = false));
  button.addEventListener("click", (event) => {
    if (!event.isTrusted || busy) return;
    void signing();
    const clickTime = event.timeStamp;
    const pressedAt = pointerDownTime;
    pointerDownTime = undefined;

    if (!visibility.supported) {
      // No IntersectionObserver v2 (no evidence either way): unless the reader allowed this site, the
      // click window, a visible first-party window naming the item, opens synchronously in the gesture.
      const way = route();
      return way === "window" ? throughWindow(Promise.resolve(true)) : void inFrame(way);
    }

    // Decide only once the visibility evidence covers the click (visibilityGate.ts), then act while
    // the click's user activation still lasts (Chromium keeps it 5 s; this takes ~0.2 to 0.6 s).
    setBusy(true);
    say("Checking the button was visible…");
    void visibility.decide(clickTime, pressedAt, performance.now()).then((decision) => {
      setBusy(false);
      if (decision.kind !== "authorised") {
        button.dataset.refused = decision.reason;
        return showOutcome({ status: "not-visible" });
      }
      delete button.dataset.refused;
      const way = route();
      if (way !== "window") return void inFrame(way);
      const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
      if (activation !== undefined && !activation.isActive) return showOutcome({ status: "too-slow" });
      throughWindow(Promise.resolve(true));
    });
  });
}

void start();
