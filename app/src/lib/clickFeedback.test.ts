import { describe, expect, it } from "vitest";

import { KEEPER_ERROR_CODES } from "@plaudit/protocol";
import { clickFeedback, keeperErrorSentence, QUEUED_REASONS, type ClickOutcome } from "./clickFeedback.js";

/** Room on the 180 px button for a label beside the icon and the count. */
const MAX_LABEL = 15;

const everyOutcome: ClickOutcome[] = [
  { status: "counted", itemClicks: 3 },
  { status: "already" },
  ...QUEUED_REASONS.map((reason) => ({ status: "queued", reason }) as const),
  ...QUEUED_REASONS.map((pending) => ({ status: "already", pending }) as const),
  ...KEEPER_ERROR_CODES.map((code) => ({ status: "refused", code }) as const),
  { status: "no-session" },
  { status: "expired" },
  { status: "revoked" },
  { status: "not-started" },
  { status: "not-visible" },
  { status: "popup-blocked" },
  { status: "window-timeout" },
  { status: "too-slow" },
  { status: "storage-denied" },
  { status: "error" },
];

describe("keeperErrorSentence", () => {
  it("gives every keeper error code a sentence in months, never the code or the keeper's own words", () => {
    for (const code of KEEPER_ERROR_CODES) {
      const sentence = keeperErrorSentence(code);
      expect(sentence, code).toMatch(/^[A-Z].*\.$/);
      expect(sentence, code).not.toMatch(/epoch/i);
      expect(sentence, code).not.toContain(code);
    }
  });

  it("answers an unknown code with a plain refusal", () => {
    expect(keeperErrorSentence("teapot")).toBe("Not counted: Plaudit's keeper refused the click.");
    expect(keeperErrorSentence(undefined)).toBe("Not counted: Plaudit's keeper refused the click.");
    expect(keeperErrorSentence("__proto__")).toBe("Not counted: Plaudit's keeper refused the click.");
  });
});

describe("clickFeedback", () => {
  it("shows a click as applauded only when a keeper counted it, now or before", () => {
    const applauded = everyOutcome.filter((outcome) => clickFeedback(outcome).applauded);
    expect(applauded).toEqual([{ status: "counted", itemClicks: 3 }, { status: "already" }]);
  });

  it("never thanks or says counted for a click that is queued or refused", () => {
    for (const outcome of everyOutcome.filter((o) => !clickFeedback(o).applauded)) {
      const { sentence, label } = clickFeedback(outcome);
      expect(sentence, outcome.status).not.toMatch(/thank|^counted/i);
      expect(label, outcome.status).not.toMatch(/^(Counted|Applauded)$/);
    }
  });

  it("says why a queued click is not counted yet, in the reader's words", () => {
    expect(clickFeedback({ status: "queued", reason: "no-budget" })).toMatchObject({
      label: "No budget yet",
      tone: "queued",
      sentence: expect.stringMatching(/no budget for this month/),
    });
    expect(clickFeedback({ status: "queued", reason: "offline" }).sentence).toMatch(/cannot be reached/);
    expect(clickFeedback({ status: "already", pending: "no-budget" }).sentence).toMatch(
      /already applauded.*no budget for this month/,
    );
  });

  it("fits every label on the button and ends every sentence with a full stop, without epochs", () => {
    for (const outcome of everyOutcome) {
      const { label, sentence } = clickFeedback(outcome);
      expect(label.length, label).toBeLessThanOrEqual(MAX_LABEL);
      expect(sentence, outcome.status).toMatch(/[.!]$/);
      expect(sentence, outcome.status).not.toMatch(/epoch/i);
    }
  });

  it("keeps a sentence it is given for an unexpected error", () => {
    expect(clickFeedback({ status: "error", message: "Not counted: the network cannot be reached." }).sentence).toBe(
      "Not counted: the network cannot be reached.",
    );
  });
});
