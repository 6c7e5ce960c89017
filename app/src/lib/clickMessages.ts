/**
 * Messages between the button iframe and its first-party click window. Both sides accept a message only
 * from the other window object they know and only with the dApp's own origin, so the page that embeds
 * the button can neither start a click, nor fake a result, nor receive a grant.
 */
import { z } from "zod";

import { MAX_ITEM_TITLE_LENGTH } from "@plaudit/protocol";

import { QUEUED_REASONS } from "./clickFeedback.js";
import { frameGrantSchema, MAX_SITE_LENGTH } from "./frameGrant.js";

const requestIdSchema = z.string().min(8).max(64);

export const STORAGE_ACCESS = ["granted", "requestable", "none"] as const;
export type StorageAccess = (typeof STORAGE_ACCESS)[number];
const decimal = z.string().regex(/^[0-9]{1,20}$/);

export const readyMessageSchema = z.strictObject({ type: z.literal("plaudit:ready") });

export const clickRequestSchema = z.strictObject({
  type: z.literal("plaudit:click"),
  requestId: requestIdSchema,
  creator: z.string(),
  url: z.string().max(2048),
  /** The item's title as the button declared it (cleaned again by the window before it is used). */
  title: z.string().max(MAX_ITEM_TITLE_LENGTH).optional(),
  /** The site the button sits on, as the frame sees it (`location.ancestorOrigins`, else the referrer). */
  site: z.string().min(1).max(MAX_SITE_LENGTH).optional(),
  /**
   * The frame's own storage: "none" when the browser gives it none (third-party storage blocked), else
   * the name of a one-off mark it set there (`keys.storageProbe`), by which the window tells whether the
   * frame shares its first-party storage or has a partition of its own.
   */
  storage: z.union([z.literal("none"), z.strictObject({ probe: z.string().uuid() })]),
  /**
   * First-party storage through the Storage Access API: "granted" when the frame has it without asking
   * (Chrome with third-party cookies allowed, or an earlier grant), "requestable" when the browser may
   * ask the reader for it, "none" when there is no such API or the frame may not use it.
   */
  storageAccess: z.enum(STORAGE_ACCESS),
});
export type ClickRequestMessage = z.output<typeof clickRequestSchema>;

const itemClicks = z.number().int().nonnegative().optional();
export const clickOutcomeSchema = z.discriminatedUnion("status", [
  z.strictObject({ status: z.literal("counted"), itemClicks }),
  z.strictObject({ status: z.literal("already"), itemClicks, pending: z.enum(QUEUED_REASONS).optional() }),
  z.strictObject({ status: z.literal("queued"), reason: z.enum(QUEUED_REASONS), itemClicks }),
  z.strictObject({ status: z.literal("refused"), code: z.string().max(64) }),
  z.strictObject({
    status: z.enum([
      "no-session",
      "expired",
      "revoked",
      "not-started",
      "not-visible",
      "popup-blocked",
      "window-timeout",
      "too-slow",
      "storage-denied",
    ]),
  }),
  z.strictObject({ status: z.literal("error"), message: z.string().max(500).optional() }),
]);

export const clickResultSchema = z.strictObject({
  type: z.literal("plaudit:result"),
  requestId: requestIdSchema,
  outcome: clickOutcomeSchema,
});
export type ClickResultMessage = z.output<typeof clickResultSchema>;

/** The reader approved the site in the window: the frame keeps this grant in its partitioned storage. */
export const grantMessageSchema = z.strictObject({
  type: z.literal("plaudit:grant"),
  requestId: requestIdSchema,
  grant: frameGrantSchema,
});
export type GrantMessage = z.output<typeof grantMessageSchema>;

/**
 * The reader allowed the site, recorded in first-party storage: a frame that shares that storage signs
 * there from now on, either directly or through Storage Access (asking the browser on its next click
 * when it is only "requestable").
 */
export const approvedMessageSchema = z.strictObject({
  type: z.literal("plaudit:approved"),
  requestId: requestIdSchema,
  epoch: decimal,
});
export type ApprovedMessage = z.output<typeof approvedMessageSchema>;

/** Whether `event` comes from `expected`, a window of this very origin. */
export function isFromOwnWindow(event: MessageEvent, expected: MessageEventSource | null, ownOrigin: string): boolean {
  return expected !== null && event.source === expected && event.origin === ownOrigin;
}
