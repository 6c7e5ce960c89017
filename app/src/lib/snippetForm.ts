/**
 * The creator's snippet generator as the creator types: nothing to say before anything was typed, a
 * problem in words while the text is not an http(s) address or the title is not one the keeper takes,
 * the snippets once both are. The title is optional: without one the script snippet lets the button
 * take the page's own title, and the iframe snippet declares none.
 */
import type { Address } from "viem";

import {
  buttonUrl,
  iframeSnippet,
  isPlainText,
  MAX_ITEM_TITLE_LENGTH,
  MAX_ITEM_URL_LENGTH,
  normalizeItemUrl,
  scriptSnippet,
} from "@plaudit/protocol";

export type SnippetForm =
  | { kind: "empty" }
  | { kind: "invalid"; field: "url" | "title"; problem: string }
  | { kind: "ready"; itemUrl: string; title: string | undefined; script: string; iframe: string; preview: string };

export function snippetForm(appUrl: string, creator: Address, typed: string, typedTitle = ""): SnippetForm {
  const text = typed.trim();
  const title = typedTitle.replace(/\s+/g, " ").trim();
  const titleProblem = titleProblemOf(title);
  if (text === "")
    return titleProblem === undefined ? { kind: "empty" } : { kind: "invalid", field: "title", problem: titleProblem };
  let itemUrl: string;
  try {
    itemUrl = normalizeItemUrl(text);
  } catch {
    return { kind: "invalid", field: "url", problem: problemOf(text) };
  }
  if (titleProblem !== undefined) return { kind: "invalid", field: "title", problem: titleProblem };
  const input = { appUrl, creator, itemUrl, ...(title === "" ? {} : { title }) };
  return {
    kind: "ready",
    itemUrl,
    title: title === "" ? undefined : title,
    script: scriptSnippet(input),
    iframe: iframeSnippet(input),
    preview: buttonUrl(input),
  };
}

/** What the keeper would refuse in a title (`itemTitleSchema`), in words; undefined when it takes it. */
function titleProblemOf(title: string): string | undefined {
  if (title.length > MAX_ITEM_TITLE_LENGTH)
    return `That title is too long: at most ${MAX_ITEM_TITLE_LENGTH} characters (it has ${title.length}).`;
  if (!isPlainText(title))
    return "That title carries invisible or control characters (pasted from somewhere?): type it again.";
  return undefined;
}

function problemOf(text: string): string {
  if (text.length > MAX_ITEM_URL_LENGTH) return `That address is too long: at most ${MAX_ITEM_URL_LENGTH} characters.`;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== "http" && scheme !== "https")
    return "Only a web page (http:// or https://) can carry a Plaudit button.";
  return "Enter the page's full address, starting with https:// (like https://your.site/post).";
}
