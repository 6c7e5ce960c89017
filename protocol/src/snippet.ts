/** The embed format: the canonical item URL and the snippets a creator pastes into a page (a script tag, or a plain iframe). */
import type { Address } from "viem";

import { blankHiddenCharacters } from "./text.js";

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

/** How much of a raw title (a page's whole `document.title`) is read at all before cleaning. */
const MAX_RAW_TITLE_LENGTH = 10_000;

/**
 * An item title as the keeper takes it (`itemTitleSchema`): controls and invisible characters blanked,
 * whitespace collapsed and trimmed, clipped to `MAX_ITEM_TITLE_LENGTH` with an ellipsis (never inside a
 * surrogate pair). Undefined when nothing is left. The embed script passes `document.title` raw: the
 * button cleans it with this before it signs anything.
 */
export function cleanItemTitle(raw: string | null | undefined): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = blankHiddenCharacters(raw.slice(0, MAX_RAW_TITLE_LENGTH)).replace(/\s+/g, " ").trim();
  if (text.length === 0) return undefined;
  if (text.length <= MAX_ITEM_TITLE_LENGTH) return text;
  let cut = MAX_ITEM_TITLE_LENGTH - 1;
  // A high surrogate at the cut would be left alone: cut before it.
  if (/[\ud800-\udbff]/.test(text.charAt(cut - 1))) cut -= 1;
  return `${text.slice(0, cut).trimEnd()}…`;
}

export interface SnippetInput {
  appUrl: string;
  creator: Address;
  itemUrl: string;
  /** The item's title (`data-plaudit-title`); cleaned with `cleanItemTitle`, left out when empty. */
  title?: string;
}

/** Room for the button and, beside it, "by <creator name>" and "Tip". */
export const BUTTON_WIDTH = 260;
export const BUTTON_HEIGHT = 44;

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function buttonUrl(input: SnippetInput): string {
  const url = new URL("button.html", input.appUrl);
  url.searchParams.set("creator", input.creator);
  url.searchParams.set("url", normalizeItemUrl(input.itemUrl));
  const title = cleanItemTitle(input.title);
  if (title !== undefined) url.searchParams.set("title", title);
  return url.href;
}

/** An iframe that works anywhere; deliberately not sandboxed (it must open its first-party pop-up). */
export function iframeSnippet(input: SnippetInput): string {
  return `<iframe src="${escapeAttribute(buttonUrl(input))}" title="Plaudit button" width="${BUTTON_WIDTH}" height="${BUTTON_HEIGHT}" style="border:0;overflow:hidden" loading="lazy"></iframe>`;
}

/**
 * A script tag that replaces itself with the button; without `title`, the button takes the page's own
 * `document.title` (app/public/embed.js).
 */
export function scriptSnippet(input: SnippetInput): string {
  const script = new URL("embed.js", input.appUrl).href;
  const title = cleanItemTitle(input.title);
  const titleAttribute = title === undefined ? "" : ` data-plaudit-title="${escapeAttribute(title)}"`;
  return `<script async src="${escapeAttribute(script)}" data-plaudit-creator="${escapeAttribute(input.creator)}" data-plaudit-url="${escapeAttribute(normalizeItemUrl(input.itemUrl))}"${titleAttribute}></script>`;
}
