// npm running on Node < 22 skips EDR's native binding (its `engines` asks for Node >= 22), although
// every project script runs on the Node 22 pinned in devDependencies. Fetch the binding from the
// registry into node_modules when it is missing. On Node >= 22 npm installs it itself: nothing to do.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

function bindingName() {
  if (process.platform !== "linux") return undefined; // other platforms: npm on Node 22+ handles it
  const libc = process.report?.getReport().header.glibcVersionRuntime ? "gnu" : "musl";
  return `@nomicfoundation/edr-linux-${process.arch}-${libc}`;
}

const name = bindingName();
// EDR's `exports` hides its package.json from require.resolve: read it where npm puts it.
const edrManifest = join("node_modules", "@nomicfoundation", "edr", "package.json");
if (!existsSync(edrManifest)) process.exit(0); // EDR not installed (e.g. --omit=dev): nothing to complete
if (name === undefined) process.exit(0);
const target = join("node_modules", ...name.split("/"));
if (existsSync(join(target, "package.json"))) process.exit(0);

const version = JSON.parse(readFileSync(edrManifest, "utf8")).optionalDependencies?.[name];
if (version === undefined) {
  console.warn(`install-edr-binding: EDR lists no ${name}; leaving it alone`);
  process.exit(0);
}

const scratch = mkdtempSync(join(tmpdir(), "edr-binding-"));
try {
  const tarball = execFileSync("npm", ["pack", `${name}@${version}`, "--silent", "--pack-destination", scratch], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  mkdirSync(target, { recursive: true });
  execFileSync("tar", ["-xzf", join(scratch, tarball), "-C", target, "--strip-components=1"]);
  console.log(`install-edr-binding: installed ${name}@${version} for Node ${process.version}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
