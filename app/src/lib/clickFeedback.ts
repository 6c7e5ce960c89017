/**
 * What a click came to, and how the button and the click window say it. The outcome is plain data (it
 * crosses from the click window to the button frame as a message); `clickFeedback` turns it into a
 * short label the button shows for a few seconds, one sentence for the window and screen readers, and
 * whether the item now counts as applauded by this reader. A click reads as counted only when a keeper
 * stored it. Keeper error codes become sentences here (`keeperErrorSentence`); raw keeper text never
 * reaches the reader. No runtime imports: this module is part of the button's light first load.
 */
import type { KeeperErrorCode } from "@plaudit/protocol";

/** Why a signed click is not counted yet. */
export const QUEUED_REASONS = ["no-budget", "offline", "retrying", "no-keeper"] as const;
export type QueuedReason = (typeof QUEUED_REASONS)[number];

export type ClickOutcome =
  /** Signed, and a keeper stored the tally that holds it. */
  | { status: "counted"; itemClicks?: number }
  /** This browser already applauded the item this month; `pending` when that click is not counted yet. */
  | { status: "already"; itemClicks?: number; pending?: QueuedReason }
  /** Signed and kept in this browser, not counted yet. */
  | { status: "queued"; reason: QueuedReason; itemClicks?: number }
  /** A keeper refused the tally for good (`code` is the keeper's error code). */
  | { status: "refused"; code: string }
  | { status: "no-session" | "expired" | "revoked" | "not-started" }
  /** The button could not confirm it was fully visible (clickjacking defence). */
  | { status: "not-visible" }
  | { status: "popup-blocked" | "window-timeout" | "too-slow" }
  /** The browser refused this frame first-party storage (Storage Access); the next click uses the window. */
  | { status: "storage-denied" }
  /** Anything else; `message` is already a sentence (lib/errors.ts). */
  | { status: "error"; message?: string };

export type ClickStatus = ClickOutcome["status"];

export type Tone = "ok" | "queued" | "error";

export interface Feedback {
  /** A few words the button shows in place of its label for a few seconds. */
  label: string;
  /** The whole story: the click window shows it, the button announces it to screen readers. */
  sentence: string;
  tone: Tone;
  /** The reader's click on this item is counted (the button shows "you applauded this"). */
  applauded: boolean;
}

/** The one sentence for every visibility refusal (see button/visibilityGate.ts). */
export const NOT_CONFIRMED_MESSAGE = "Plaudit could not confirm the button was fully visible; click again.";

const KEEPER_FAULT = "Not counted: Plaudit's keeper could not read this click, a fault on Plaudit's side.";
const KEEPER_DOWN =
  "Not counted yet: Plaudit's keeper has a problem right now; the click is kept and sent again later.";

/** Every keeper error code in the reader's words (months, not epochs). */
const KEEPER_SENTENCES: Record<KeeperErrorCode, string> = {
  bad_url: KEEPER_FAULT,
  malformed_json: KEEPER_FAULT,
  invalid_body: KEEPER_FAULT,
  invalid_query: KEEPER_FAULT,
  bad_request: KEEPER_FAULT,
  headers_too_large: KEEPER_FAULT,
  request_timeout: "Not counted: the click did not reach Plaudit's keeper in time; click again.",
  not_found: KEEPER_FAULT,
  method_not_allowed: KEEPER_FAULT,
  body_too_large: KEEPER_FAULT,
  unsupported_media_type: KEEPER_FAULT,
  wrong_chain: "Not counted: this button and Plaudit's keeper belong to different networks.",
  wrong_pool: "Not counted: this button and Plaudit's keeper belong to different Plaudit pools.",
  stale_sequence: "The keeper already holds a newer count of your clicks.",
  bad_signature: "Not counted: the keeper could not verify this browser's signature on the click.",
  bad_session:
    "Not counted: the keeper does not accept your one-click key (revoked or expired). Turn one-click mode on again in the Plaudit app.",
  wrong_epoch: "Not counted: that month is over, so the click can no longer count.",
  no_budget:
    "Queued, not counted yet: you have no budget for this month. Fund this month in the Plaudit app and the click will count.",
  bad_clicks:
    "Not counted: the click breaks the pool's rules (a button cannot name your own address, the pool or its token as the creator).",
  rate_limited: "Queued, not counted yet: too many clicks at once; the click is sent again in a moment.",
  internal: KEEPER_DOWN,
  storage_unavailable: KEEPER_DOWN,
  chain_unavailable: KEEPER_DOWN,
  // Profiles, discovery and the relay never answer a click.
  creator_mismatch: KEEPER_FAULT,
  no_creator_found: KEEPER_FAULT,
  stale_version: KEEPER_FAULT,
  address_refused: KEEPER_FAULT,
  redirect_refused: KEEPER_FAULT,
  fetch_failed: KEEPER_DOWN,
  relay_disabled: KEEPER_FAULT,
  relay_in_flight: KEEPER_FAULT,
  fee_below_policy: KEEPER_FAULT,
  relay_reverts: KEEPER_FAULT,
  gas_price_above_ceiling: KEEPER_DOWN,
};

/** A keeper error code as a sentence; an unknown code gets a generic one, never the keeper's own text. */
export function keeperErrorSentence(code: string | undefined): string {
  if (code !== undefined && Object.hasOwn(KEEPER_SENTENCES, code)) return KEEPER_SENTENCES[code as KeeperErrorCode];
  return "Not counted: Plaudit's keeper refused the click.";
}

const QUEUED: Record<QueuedReason, { label: string; sentence: string }> = {
  "no-budget": { label: "No budget yet", sentence: KEEPER_SENTENCES.no_budget },
  offline: {
    label: "Queued offline",
    sentence:
      "Queued, not counted yet: Plaudit's keeper cannot be reached. The click is kept in this browser and sent when it is back.",
  },
  retrying: {
    label: "Queued",
    sentence: "Queued, not counted yet: the click is kept in this browser and sent again shortly.",
  },
  "no-keeper": {
    label: "Kept here",
    sentence:
      "Kept in this browser, not counted yet: no keeper is configured, so it counts when you settle the month yourself.",
  },
};

export function clickFeedback(outcome: ClickOutcome): Feedback {
  const error = (label: string, sentence: string): Feedback => ({ label, sentence, tone: "error", applauded: false });
  switch (outcome.status) {
    case "counted":
      return {
        label: "Counted",
        sentence: "Counted: thank you! Your click is part of this month's split.",
        tone: "ok",
        applauded: true,
      };
    case "already": {
      const already = "You already applauded this item this month; it counts once.";
      if (outcome.pending === undefined)
        return { label: "Counted before", sentence: already, tone: "ok", applauded: true };
      const queued = QUEUED[outcome.pending];
      return { label: queued.label, sentence: `${already} ${queued.sentence}`, tone: "queued", applauded: false };
    }
    case "queued":
      return { ...QUEUED[outcome.reason], tone: "queued", applauded: false };
    case "refused":
      return error("Not counted", keeperErrorSentence(outcome.code));
    case "no-session":
      return error(
        "One-click off",
        "Not counted: one-click mode is off in this browser. Turn it on in the Plaudit app.",
      );
    case "expired":
      return error("Key expired", "Not counted: your one-click mode has expired. Renew it in the Plaudit app.");
    case "revoked":
      return error(
        "Key revoked",
        "Not counted: your one-click key was revoked. Turn one-click mode on again in the Plaudit app.",
      );
    case "not-started":
      return error("Not open yet", "Not counted: Plaudit's first month has not started yet.");
    case "not-visible":
      return error("Click again", NOT_CONFIRMED_MESSAGE);
    case "popup-blocked":
      return error(
        "Pop-up blocked",
        "Not counted: your browser blocked the Plaudit window. Allow pop-ups for this site to applaud.",
      );
    case "window-timeout":
      return error("No answer", "Not counted: the Plaudit window did not answer.");
    case "storage-denied":
      return error(
        "Click again",
        "Not counted: your browser did not let Plaudit use its data on this site. Click again to applaud in the Plaudit window.",
      );
    case "too-slow":
      return error("Click again", "Not counted: that took too long; click again.");
    case "error":
      return error("Not counted", outcome.message ?? "Not counted: something went wrong.");
  }
}
