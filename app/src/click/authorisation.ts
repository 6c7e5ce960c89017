/**
 * The button's explicit go-ahead for a click request. The pop-up signs nothing on a request alone: it
 * waits for this message, for the same request, from the window that opened it at the dApp's own
 * origin (checked by the caller with `isFromOwnWindow`), and gives up after `AUTHORISATION_TIMEOUT_MS`.
 * The button sends it only once its visibility evidence covers the click (see button/visibilityGate.ts).
 */
import { z } from "zod";

import type { clickRequestSchema } from "../lib/clickMessages.js";

export type ClickRequestMessage = z.output<typeof clickRequestSchema>;

export const authorisedMessageSchema = z.strictObject({
  type: z.literal("plaudit:authorised"),
  requestId: z.string().min(8).max(64),
});
export type AuthorisedMessage = z.output<typeof authorisedMessageSchema>;

/** How long the pop-up waits for the go-ahead after the request. */
export const AUTHORISATION_TIMEOUT_MS = 5_000;

/** Whether `data` authorises the request `requestId`. */
export function authorises(data: unknown, requestId: string): boolean {
  const parsed = authorisedMessageSchema.safeParse(data);
  return parsed.success && parsed.data.requestId === requestId;
}
