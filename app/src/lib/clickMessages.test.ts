import { describe, expect, it } from "vitest";

import { KEEPER_ERROR_CODES } from "@plaudit/protocol";
import { readerWithSession, schedule } from "../testing/fixtures.js";
import { QUEUED_REASONS, type ClickOutcome } from "./clickFeedback.js";
import { clickOutcomeSchema, clickRequestSchema, grantMessageSchema } from "./clickMessages.js";
import { grantFor } from "./frameGrant.js";

describe("messages between the click window and the button", () => {
  it("carries every outcome the button can show, unchanged", () => {
    const outcomes: ClickOutcome[] = [
      { status: "counted", itemClicks: 2 },
      { status: "already" },
      ...QUEUED_REASONS.map((reason) => ({ status: "queued", reason }) as const),
      ...QUEUED_REASONS.map((pending) => ({ status: "already", pending }) as const),
      ...KEEPER_ERROR_CODES.map((code) => ({ status: "refused", code }) as const),
      ...(["no-session", "expired", "revoked", "not-started", "not-visible"] as const).map((status) => ({ status })),
      ...(["popup-blocked", "window-timeout", "too-slow", "storage-denied"] as const).map((status) => ({ status })),
      { status: "error", message: "Not counted: something went wrong." },
    ];
    for (const outcome of outcomes) expect(clickOutcomeSchema.parse(outcome)).toEqual(outcome);
  });

  it("refuses an outcome with anything added, or a long message", () => {
    expect(clickOutcomeSchema.safeParse({ status: "counted", note: "x" }).success).toBe(false);
    expect(clickOutcomeSchema.safeParse({ status: "error", message: "x".repeat(501) }).success).toBe(false);
    expect(clickOutcomeSchema.safeParse({ status: "signed" }).success).toBe(false);
  });

  it("takes a request's storage as none or a probe name, nothing else", () => {
    const request = {
      type: "plaudit:click",
      requestId: "0123456789",
      creator: "0x00000000000000000000000000000000000000a1",
      url: "https://a.example/",
      site: "a.example",
      storageAccess: "requestable",
    };
    expect(clickRequestSchema.safeParse({ ...request, storage: "none" }).success).toBe(true);
    expect(clickRequestSchema.safeParse({ ...request, storage: { probe: crypto.randomUUID() } }).success).toBe(true);
    expect(clickRequestSchema.safeParse({ ...request, storage: { probe: "../../x" } }).success).toBe(false);
    expect(clickRequestSchema.safeParse({ ...request, storage: "shared" }).success).toBe(false);
    expect(clickRequestSchema.safeParse({ ...request, storage: "none", storageAccess: true }).success).toBe(false);
  });

  it("carries a frame grant whole, and nothing that is not one", async () => {
    const { session } = await readerWithSession();
    const grant = grantFor(session, schedule, 0n, "a.example", [], 5);
    if ("problem" in grant) throw new Error(grant.problem);
    const message = { type: "plaudit:grant", requestId: "0123456789", grant };
    expect(grantMessageSchema.parse(message)).toEqual(message);
    const forged = { ...message, grant: { ...grant, session: { ...grant.session, privateKey: "0x12" } } };
    expect(grantMessageSchema.safeParse(forged).success).toBe(false);
  });
});
