/**
 * The embeddable button (button.html?creator=0x..&url=..), served from the dApp's origin inside an
 * iframe on a creator's site. Browsers partition a third-party iframe's storage, so the session key
 * (first-party) is not reachable from here. On a real click (a trusted user gesture while the button
 * is visible) the button:
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
import { createKeeperClient } from "../lib/keeper.js";

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

/** Last visibility seen by an IntersectionObserver v2 (undefined where the browser lacks it). */
let visible: boolean | undefined;
function watchVisibility() {
  try {
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1] as (IntersectionObserverEntry & { isVisible?: boolean }) | undefined;
        if (entry !== undefined && typeof entry.isVisible === "boolean") visible = entry.isVisible;
      },
      { threshold: [1], trackVisibility: true, delay: 100 } as IntersectionObserverInit,
    );
    observer.observe(button);
  } catch {
    visible = undefined;
  }
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
    const handle = (await doc.requestStorageAccess({ localStorage: true, locks: true })) as Partial<StorageAccessHandle> | undefined;
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
    show(result.status === "signed" ? `Thanks! ${detail ?? "Your click counts."}` : "You already applauded this item this month.", "ok");
  } else {
    show("message" in result ? result.message : "Something went wrong.", "error");
  }
}

function clickThroughPopup(item: Item) {
  const popup = window.open(new URL("click.html", location.href).href, `plaudit-click-${crypto.randomUUID()}`, "popup,width=380,height=320");
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
  function onMessage(event: MessageEvent) {
    if (!isFromOwnWindow(event, popup, location.origin)) return;
    if (readyMessageSchema.safeParse(event.data).success) {
      popup?.postMessage({ type: "plaudit:click", requestId, creator: item.creator, url: item.url }, location.origin);
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
  watchVisibility();
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

  button.disabled = false;
  button.addEventListener("click", (event) => {
    if (!event.isTrusted) return;
    if (visible === false) {
      show("The button must be fully visible to count a click.", "error");
      return;
    }
    if (topIsSameOrigin()) {
      button.disabled = true;
      show("Signing…");
      void clickItem(browserEnv(deployment), item).then((result) => {
        button.disabled = false;
        report(result);
      });
      return;
    }
    // The pop-up opens synchronously inside the gesture (pop-up blockers); Storage Access is used
    // only when the browser granted it before, so it never prompts.
    if (!storageAccessGranted) return clickThroughPopup(item);
    button.disabled = true;
    void storageAccessHandle().then(async (handle) => {
      button.disabled = false;
      if (handle === undefined) return clickThroughPopup(item);
      report(await clickItem(browserEnv(deployment, handle), item));
    });
  });
}

void start();
