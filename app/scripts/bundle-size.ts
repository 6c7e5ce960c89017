/**
 * Reports the gzip size of the JavaScript each built page loads first (its entry module and every
 * module it preloads or imports statically), from app/dist, and the whole of it for the button (what a
 * click loads on top). Fails when a page's first load exceeds its budget: the dApp's pages 300 KB, the
 * embeddable button 20 KB (a creator's page may carry many). Run after `vite build` (npm run app:build does).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const KB = 1024;
/** First-load budgets (gzip) per page; a page without one is only reported. */
const BUDGETS: Record<string, number> = { "index.html": 300 * KB, "button.html": 20 * KB };
const PAGES = ["index.html", "button.html", "click.html"];

/** Every JS file a page loads before it runs: scripts, modulepreloads and their static imports. */
async function firstLoad(page: string): Promise<Set<string>> {
  const html = await readFile(join(dist, page), "utf8");
  const files = new Set<string>();
  const queue = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const code = await readFile(join(dist, file), "utf8");
    for (const m of code.matchAll(/(?:^|[;\n}])\s*import\s*(?:[^"'()]*?from\s*)?["']\.\/([^"']+\.js)["']/g))
      queue.push(`assets/${m[1] as string}`);
  }
  return files;
}

async function gzipSize(files: Set<string>): Promise<number> {
  let total = 0;
  for (const file of files) total += gzipSync(await readFile(join(dist, file))).length;
  return total;
}

/** Every JS file a page may load: its first load plus dynamic imports (`import("./x.js")`), transitively. */
async function everything(first: Set<string>): Promise<Set<string>> {
  const files = new Set<string>();
  const queue = [...first];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const code = await readFile(join(dist, file), "utf8");
    for (const m of code.matchAll(/["']\.\/([^"'/]+\.js)["']/g)) queue.push(`assets/${m[1] as string}`);
  }
  return files;
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;
let failed = false;
for (const page of PAGES) {
  const files = await firstLoad(page);
  const size = await gzipSize(files);
  const budget = BUDGETS[page];
  console.log(
    `${page.padEnd(12)} first-load JS ${kb(size)} gzip in ${files.size} files${budget === undefined ? "" : ` (budget ${kb(budget)})`}`,
  );
  if (page === "button.html") {
    const all = await everything(files);
    console.log(
      `${"".padEnd(12)} with the signing code loaded on a click: ${kb(await gzipSize(all))} gzip in ${all.size} files`,
    );
  }
  if (budget !== undefined && size > budget) {
    console.error(`${page}'s first load (${kb(size)}) exceeds its ${kb(budget)} budget`);
    failed = true;
  }
}
if (failed) process.exit(1);
