/**
 * Messages between the button iframe and its first-party pop-up. Both sides accept a message only
 * from the other window object they know and only with the dApp's own origin, so the page that embeds
 * the button can neither start a click nor fake a result.
 */
import { z } from "zod";

export const readyMessageSchema = z.strictObject({ type: z.literal("plaudit:ready") });
export const clickRequestSchema = z.strictObject({
  type: z.literal("plaudit:click"),
  requestId: z.string().min(8).max(64),
  creator: z.string(),
  url: z.string().max(2048),
});
export const clickResultSchema = z.strictObject({
  type: z.literal("plaudit:result"),
  requestId: z.string(),
  status: z.enum(["signed", "already", "no-session", "expired", "not-started", "error"]),
  itemClicks: z.number().int().nonnegative().optional(),
  message: z.string().max(500),
});
export type ClickResultMessage = z.output<typeof clickResultSchema>;

/** Whether `event` comes from `expected`, a window of this very origin. */
export function isFromOwnWindow(event: MessageEvent, expected: MessageEventSource | null, ownOrigin: string): boolean {
  return expected !== null && event.source === expected && event.origin === ownOrigin;
}
