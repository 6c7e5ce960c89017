/**
 * The creator's snippet generator as the creator types: nothing to say before anything was typed, a
 * problem in words while the text is not an http(s) address, the snippets once it is.
 */
import type { Address } from "viem";

import { buttonUrl, iframeSnippet, MAX_ITEM_URL_LENGTH, normalizeItemUrl, scriptSnippet } from "@plaudit/protocol";

export type SnippetForm =
  | { kind: "empty" }
  | { kind: "invalid"; problem: string }
  | { kind: "ready"; itemUrl: string; script: string; iframe: string; preview: string };

export function snippetForm(appUrl: string, creator: Address, typed: string): SnippetForm {
  const text = typed.trim();
  if (text === "") return { kind: "empty" };
  let itemUrl: string;
  try {
    itemUrl = normalizeItemUrl(text);
  } catch {
    return { kind: "invalid", problem: problemOf(text) };
  }
  const input = { appUrl, creator, itemUrl };
  return {
    kind: "ready",
    itemUrl,
    script: scriptSnippet(input),
    iframe: iframeSnippet(input),
    preview: buttonUrl(input),
  };
}

function problemOf(text: string): string {
  if (text.length > MAX_ITEM_URL_LENGTH) return `That address is too long: at most ${MAX_ITEM_URL_LENGTH} characters.`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https")
    return "Only a web page (http:// or https://) can carry a Plaudit button.";
  return "Enter the page's full address, starting with https:// (like https://your.site/post).";
}
