/**
 * The first-party pop-up that signs a click for the button. It is a top-level page of the dApp's
 * origin, so it reaches the session key in unpartitioned storage. It takes its orders only from the
 * window that opened it, and only if that window is of this same origin (the button iframe): a page
 * that opens click.html itself never receives "ready" (targetOrigin) and cannot send a valid request.
 * It signs only after the button's explicit "plaudit:authorised" for the request (see authorisation.ts),
 * which the button sends once its visibility evidence covers the click; without it, it refuses.
 */
import { loadDeployment } from "../config/deployment.js";
import { browserEnv } from "../lib/browserEnv.js";
import { clickRequestSchema, isFromOwnWindow, type ClickResultMessage } from "../lib/clickMessages.js";
import { AUTHORISATION_TIMEOUT_MS, authorises, type ClickRequestMessage } from "./authorisation.js";
import { clickItem } from "../lib/clickService.js";
import { normalizeItemUrl } from "../lib/item.js";
import { addressSchema } from "@plaudit/protocol";

const titleEl = document.getElementById("title") as HTMLHeadingElement;
const detailEl = document.getElementById("detail") as HTMLParagraphElement;
const linkEl = document.getElementById("open-app") as HTMLAnchorElement;

function show(title: string, detail: string, kind: "info" | "ok" | "error") {
  titleEl.textContent = title;
  detailEl.textContent = detail;
  document.body.dataset.kind = kind;
}

async function start() {
  linkEl.href = new URL("./#/reader", location.href).href;
  const opener = window.opener as Window | null;
  if (opener === null) {
    show("Nothing to sign", "This window opens from a Plaudit button.", "error");
    return;
  }
  const deploymentPromise = loadDeployment();
  let request: ClickRequestMessage | undefined;
  let authorisationTimer: ReturnType<typeof setTimeout> | undefined;
  let signing = false;
  const reply = (message: Omit<ClickResultMessage, "type" | "requestId">) => {
    if (request !== undefined)
      opener.postMessage({ type: "plaudit:result", requestId: request.requestId, ...message }, location.origin);
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
        const message = "The button did not confirm the click; click again.";
        reply({ status: "error", message });
        show("Not counted", message, "error");
      }, AUTHORISATION_TIMEOUT_MS);
      return;
    }
    // Nothing is signed on a request alone: only the button's go-ahead for this very request starts it.
    if (!authorises(event.data, request.requestId)) return;
    signing = true;
    clearTimeout(authorisationTimer);
    const { creator: rawCreator, url: rawUrl } = request;
    void (async () => {
      try {
        const creator = addressSchema.parse(rawCreator);
        const url = normalizeItemUrl(rawUrl);
        show("Applauding…", url, "info");
        const deployment = await deploymentPromise;
        const result = await clickItem(browserEnv(deployment), { creator, url });
        if (result.status === "signed" || result.status === "already") {
          const message =
            result.status === "signed" ? (result.note ?? "Your click counts.") : "Already applauded this month.";
          reply({
            status: result.status,
            message,
            ...(result.itemClicks === undefined ? {} : { itemClicks: result.itemClicks }),
          });
          show(result.status === "signed" ? "Thanks!" : "Already applauded", `${message} ${url}`, "ok");
          setTimeout(() => window.close(), result.delivered ? 900 : 2500);
        } else {
          const message = "message" in result ? result.message : "Not counted.";
          reply({ status: result.status, message });
          show("Not counted", message, "error");
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        reply({ status: "error", message });
        show("Not counted", message, "error");
      }
    })();
  });
  opener.postMessage({ type: "plaudit:ready" }, location.origin);
}

void start();
