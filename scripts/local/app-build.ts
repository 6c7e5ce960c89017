/**
 * Whether the dApp in app/dist is older than its sources, and the build (`npm run app:build`) when it is.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/** Newest modification time (ms) of a file or of any file under a directory; 0 when absent. */
export async function newestMtime(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(path)) {
    if (entry === "node_modules" || entry === "dist") continue;
    newest = Math.max(newest, await newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * Why `dist` needs a build from `sources` (files or directories), or undefined when its index.html is
 * newer than every source.
 */
export async function staleReason(dist: string, sources: readonly string[]): Promise<string | undefined> {
  const built = await newestMtime(join(dist, "index.html"));
  if (built === 0) return `${dist} has no build yet`;
  for (const source of sources) {
    if ((await newestMtime(source)) > built) return `${source} changed since the last build`;
  }
  return undefined;
}

/** Runs `npm run app:build` with its output shown; `track` gets the child so a shutdown can end it. */
export function buildApp(repoRoot: string, track: (child: ChildProcess) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["run", "--silent", "app:build"], {
      cwd: repoRoot,
      stdio: ["ignore", "inherit", "inherit"],
    });
    track(child);
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`npm run app:build failed (${signal ?? `exit code ${code ?? "?"}`})`)),
    );
  });
}
