/**
 * Reports the gzip size of the JavaScript each built page loads first (its entry module and every
 * module it preloads or imports statically), from app/dist. Fails when the dApp's first load exceeds
 * the budget. Run after `vite build` (npm run app:build does).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = fileURLToPath(new URL("../dist/", import.meta.url));
const BUDGET_BYTES = 300 * 1024;

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

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
let failed = false;
for (const page of ["index.html", "button.html", "click.html"]) {
  const files = await firstLoad(page);
  const size = await gzipSize(files);
  console.log(`${page.padEnd(12)} first-load JS ${kb(size)} gzip in ${files.size} files`);
  if (page === "index.html" && size > BUDGET_BYTES) {
    console.error(`the dApp's first load (${kb(size)}) exceeds the ${kb(BUDGET_BYTES)} budget`);
    failed = true;
  }
}
if (failed) process.exit(1);
