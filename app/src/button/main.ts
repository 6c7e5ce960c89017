/**
 * The embeddable button (button.html?creator=0x..&url=..), served from the dApp's origin inside an
 * iframe on a creator's site. Browsers partition a third-party iframe's storage, so the session key
 * (first-party) is not reachable from here. On a real click (a trusted user gesture) the button first
 * waits until its IntersectionObserver v2 evidence covers the click: visible, unchanged, from 500 ms
 * before the pointerdown until a report computed after the click and two observer periods later
 * (visibilityGate.ts); a button hidden or covered just as the click lands is refused. Then it:
 *   1. signs directly when it is not partitioned (its top page is the dApp's own origin);
 *   2. else uses the Storage Access API when the browser already granted it (no prompt);
 *   3. else opens a small first-party pop-up (click.html) that signs and reports back.
 * The embedding page cannot start a click: it cannot send trusted events into a cross-origin iframe,
 * and both windows ignore every message that is not from each other at the dApp's origin.
 */
import { loadDeployment, type AppDeployment } from "../config/deployment.js";
import { browserEnv } from "../lib/browserEnv.js";
import { clickResultSchema, isFromOwnWindow, readyMessageSchema } from "../lib/clickMessages.js";
import { clickItem, type ClickResult } from "../lib/clickService.js";
import { parseItem, type Item } from "../lib/item.js";
import { createKeeperClient } from "@plaudit/protocol";
import type { AuthorisedMessage } from "../click/authorisation.js";
import { NOT_CONFIRMED_MESSAGE } from "./visibilityGate.js";
import { watchVisibility } from "./visibilityWatch.js";

const button = document.getElementById("plaudit-button") as HTMLButtonElement;
const countEl = document.getElementById("plaudit-count") as HTMLSpanElement;
const statusEl = document.getElementById("plaudit-status") as HTMLDivElement;

function show(status: string, kind: "info" | "ok" | "error" = "info") {
  statusEl.textContent = status;
  statusEl.dataset.kind = kind;
  button.title = status;
}

function setCount(n: number | undefined) {
  countEl.textContent = n === undefined ? "–" : String(n);
}

function topIsSameOrigin(): boolean {
  if (window.top === window) return true;
  try {
    return window.top?.location.origin === location.origin;
  } catch {
    return false;
  }
}

interface StorageAccessHandle {
  localStorage: Storage;
  locks?: LockManager;
}

/** Whether the browser already granted this iframe storage access (checked once; never prompts). */
let storageAccessGranted = false;
async function checkStorageAccess(): Promise<void> {
  try {
    const permission = await navigator.permissions.query({ name: "storage-access" as PermissionName });
    storageAccessGranted = permission.state === "granted";
  } catch {
    storageAccessGranted = false;
  }
}

/** Unpartitioned storage via the Storage Access API (inside the click's user activation). */
async function storageAccessHandle(): Promise<StorageAccessHandle | undefined> {
  const doc = document as Document & { requestStorageAccess?: (types?: object) => Promise<unknown> };
  if (typeof doc.requestStorageAccess !== "function") return undefined;
  try {
    const handle = (await doc.requestStorageAccess({ localStorage: true, locks: true })) as
      Partial<StorageAccessHandle> | undefined;
    return handle?.localStorage === undefined ? undefined : (handle as StorageAccessHandle);
  } catch {
    return undefined;
  }
}

function report(result: ClickResult | { status: string; itemClicks?: number; message: string }) {
  if (result.status === "signed" || result.status === "already") {
    if ("itemClicks" in result && result.itemClicks !== undefined) setCount(result.itemClicks);
    button.dataset.clicked = "true";
    // A direct click carries an optional note; a pop-up's answer carries its message.
    const detail = "note" in result ? result.note : "message" in result ? result.message : undefined;
    show(
      result.status === "signed"
        ? `Thanks! ${detail ?? "Your click counts."}`
        : "You already applauded this item this month.",
      "ok",
    );
  } else {
    show("message" in result ? result.message : "Something went wrong.", "error");
  }
}

/**
 * Opens click.html and hands it the click request. The pop-up signs only after the explicit
 * "plaudit:authorised" that follows once `authorisation` resolves true; on false the pop-up is closed
 * and the click refused. Must run while the click's user activation lasts (pop-up blockers).
 */
function clickThroughPopup(item: Item, authorisation: Promise<boolean>) {
  const popup = window.open(
    new URL("click.html", location.href).href,
    `plaudit-click-${crypto.randomUUID()}`,
    "popup,width=380,height=320",
  );
  if (popup === null) {
    show("Allow pop-ups for this button to applaud.", "error");
    return;
  }
  show("Signing in the Plaudit window…");
  const requestId = crypto.randomUUID();
  const stop = () => {
    window.removeEventListener("message", onMessage);
    clearTimeout(timer);
    button.disabled = false;
  };
  const timer = setTimeout(() => {
    stop();
    show("The Plaudit window did not answer.", "error");
  }, 120_000);
  let requested = false;
  function onMessage(event: MessageEvent) {
    if (!isFromOwnWindow(event, popup, location.origin)) return;
    if (readyMessageSchema.safeParse(event.data).success) {
      if (requested) return;
      requested = true;
      popup?.postMessage({ type: "plaudit:click", requestId, creator: item.creator, url: item.url }, location.origin);
      void authorisation.then((ok) => {
        if (ok) {
          popup?.postMessage({ type: "plaudit:authorised", requestId } satisfies AuthorisedMessage, location.origin);
          return;
        }
        stop();
        popup?.close();
        show(NOT_CONFIRMED_MESSAGE, "error");
      });
      return;
    }
    const result = clickResultSchema.safeParse(event.data);
    if (!result.success || result.data.requestId !== requestId) return;
    stop();
    report(result.data);
  }
  window.addEventListener("message", onMessage);
  button.disabled = true;
}

/**
 * Watched from the first moment: the whole document (the button's frame), not the button itself, whose
 * own dimmed look while disabled is not the embedder's doing. A cover over any part of the frame or
 * any opacity applied to it by the embedding page reads as "not visible".
 */
const visibility = watchVisibility(document.body);

async function start() {
  let item: Item;
  let deployment: AppDeployment;
  try {
    item = parseItem(location.search);
    deployment = await loadDeployment();
  } catch (error) {
    button.disabled = true;
    show(error instanceof Error ? error.message : String(error), "error");
    return;
  }
  void checkStorageAccess();
  const keeper = deployment.keeperUrl === undefined ? undefined : createKeeperClient(deployment.keeperUrl);
  if (keeper !== undefined) {
    keeper
      .currentEpoch()
      .then(({ epoch }) => keeper.itemClicks(item.creator, item.url, epoch))
      .then((n) => {
        setCount(n);
        show("Applaud this item: one click per month.");
      })
      .catch(() => show("The keeper cannot be reached; clicks are still kept.", "error"));
  } else show("Applaud this item: one click per month.");

  /** The last trusted pointerdown on the button: the gesture starts there, not at the click. */
  let pointerDownTime: number | undefined;
  button.addEventListener("pointerdown", (event) => {
    if (event.isTrusted) pointerDownTime = event.timeStamp;
  });
  /** A click is being checked (~0.2 s): further clicks are ignored. The reason of the last refusal
   * is kept in `data-refused` for diagnosis; the reader sees one sentence. */
  let checking = false;

  // Clickable only once it has been fully visible for a moment (see visibilityGate.ts).
  void visibility.steadilyVisible().then(() => (button.disabled = false));
  button.addEventListener("click", (event) => {
    if (!event.isTrusted || checking) return;
    const clickTime = event.timeStamp;
    const pressedAt = pointerDownTime;
    pointerDownTime = undefined;
    const sameOrigin = topIsSameOrigin();

    if (!visibility.supported) {
      // No IntersectionObserver v2 (no evidence either way): the pop-up, a visible first-party window
      // naming the item, opens synchronously inside the gesture and is authorised at once.
      if (sameOrigin) return signHere(undefined);
      if (!storageAccessGranted) return clickThroughPopup(item, Promise.resolve(true));
      return void viaStorageAccess();
    }

    // Decide only once the visibility evidence covers the click (visibilityGate.ts), then act while
    // the click's user activation still lasts (Chromium keeps it 5 s; this takes at most ~0.4 s).
    checking = true;
    show("Checking the button was visible…");
    void visibility.decide(clickTime, pressedAt).then((decision) => {
      checking = false;
      if (decision.kind !== "authorised") {
        button.dataset.refused = decision.reason;
        return show(NOT_CONFIRMED_MESSAGE, "error");
      }
      delete button.dataset.refused;
      if (sameOrigin) return signHere(undefined);
      const activation = (navigator as Navigator & { userActivation?: { isActive: boolean } }).userActivation;
      if (activation !== undefined && !activation.isActive) return show("That took too long; click again.", "error");
      if (!storageAccessGranted) return clickThroughPopup(item, Promise.resolve(true));
      void viaStorageAccess();
    });
  });

  function signHere(handle: StorageAccessHandle | undefined) {
    button.disabled = true;
    show("Signing…");
    void clickItem(browserEnv(deployment, handle), item).then((result) => {
      button.disabled = false;
      report(result);
    });
  }

  /** Storage Access is used only when the browser granted it before, so it never prompts. */
  async function viaStorageAccess() {
    button.disabled = true;
    const handle = await storageAccessHandle();
    button.disabled = false;
    if (handle === undefined) return clickThroughPopup(item, Promise.resolve(true));
    signHere(handle);
  }
}

void start();
