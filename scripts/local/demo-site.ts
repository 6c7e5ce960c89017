/**
 * The demo creator site of the local system: one page, served on another site than the dApp, with a few
 * Plaudit buttons embedded by the script snippet the dApp's creator page generates.
 */
import { scriptSnippet } from "@plaudit/protocol";
import type { Address } from "viem";

export interface DemoItem {
  creatorName: string;
  creator: Address;
  title: string;
  /** Path of the item on the demo site, e.g. "/essays/on-flattr". */
  path: string;
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** The item URL a button on the demo site applauds: the item's path on the site. */
export function demoItemUrl(siteUrl: string, item: DemoItem): string {
  return new URL(item.path, siteUrl).href;
}

export function demoSiteHtml(options: { appUrl: string; siteUrl: string; items: readonly DemoItem[] }): string {
  const articles = options.items
    .map(
      (item) => `  <article>
    <h2>${escapeHtml(item.title)}</h2>
    <p class="by">by ${escapeHtml(item.creatorName)} <code>${item.creator}</code></p>
    <p>A piece of work worth a click. The button below is an iframe of the dApp (${escapeHtml(options.appUrl)}), embedded with its script snippet.</p>
    ${scriptSnippet({ appUrl: options.appUrl, creator: item.creator, itemUrl: demoItemUrl(options.siteUrl, item) })}
  </article>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Demo creators' site (Plaudit local system)</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
    article { border-top: 1px solid #ddd; padding: 1rem 0; }
    .by { color: #666; font-size: 0.9rem; }
    code { font-size: 0.8rem; }
  </style>
</head>
<body>
  <h1>Demo creators' site</h1>
  <p>This page is another site (${escapeHtml(options.siteUrl)}) than the dApp (${escapeHtml(options.appUrl)}). Subscribe and turn on
  one-click mode in the dApp first; then each button applauds its item once per epoch.</p>
${articles}
</body>
</html>
`;
}
