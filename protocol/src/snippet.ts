/** The embed format: the canonical item URL and the snippets a creator pastes into a page (a script tag, or a plain iframe). */
import type { Address } from "viem";

export const MAX_ITEM_URL_LENGTH = 2048;
/** Longest item title (`data-plaudit-title`), in UTF-16 code units. */
export const MAX_ITEM_TITLE_LENGTH = 200;

/** The canonical form of an item URL: http(s) only, no fragment. Throws on anything else. */
export function normalizeItemUrl(input: string): string {
  if (input.length > MAX_ITEM_URL_LENGTH) throw new Error("the item URL is too long");
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new Error("the item URL is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("the item URL must be http(s)");
  url.hash = "";
  return url.href;
}

export interface SnippetInput {
  appUrl: string;
  creator: Address;
  itemUrl: string;
}

export const BUTTON_WIDTH = 180;
export const BUTTON_HEIGHT = 44;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function buttonUrl(input: SnippetInput): string {
  const url = new URL("button.html", input.appUrl);
  url.searchParams.set("creator", input.creator);
  url.searchParams.set("url", normalizeItemUrl(input.itemUrl));
  return url.href;
}

/** An iframe that works anywhere; deliberately not sandboxed (it must open its first-party pop-up). */
export function iframeSnippet(input: SnippetInput): string {
  return `<iframe src="${escapeAttribute(buttonUrl(input))}" title="Plaudit button" width="${BUTTON_WIDTH}" height="${BUTTON_HEIGHT}" style="border:0;overflow:hidden" loading="lazy"></iframe>`;
}

export function scriptSnippet(input: SnippetInput): string {
  const script = new URL("embed.js", input.appUrl).href;
  return `<script async src="${escapeAttribute(script)}" data-plaudit-creator="${escapeAttribute(input.creator)}" data-plaudit-url="${escapeAttribute(normalizeItemUrl(input.itemUrl))}"></script>`;
}
