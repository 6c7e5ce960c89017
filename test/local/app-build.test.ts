/** When `npm start` rebuilds the dApp: only when a source is newer than the build. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import { staleReason } from "../../scripts/local/app-build.js";

describe("local system: dApp build check", () => {
  let root: string;
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), "plaudit-build-"));
    mkdirSync(join(root, "src", "lib"), { recursive: true });
    writeFileSync(join(root, "src", "lib", "a.ts"), "a");
    writeFileSync(join(root, "index.html"), "i");
    at(join(root, "src", "lib", "a.ts"), 1000);
    at(join(root, "index.html"), 1000);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const sources = () => [join(root, "src"), join(root, "index.html"), join(root, "missing.ts")];

  it("builds when there is no build", async () => {
    expect(await staleReason(join(root, "dist"), sources())).to.match(/has no build yet/);
  });

  it("keeps a build newer than every source, and rebuilds when a nested source changes", async () => {
    mkdirSync(join(root, "dist"));
    writeFileSync(join(root, "dist", "index.html"), "built");
    at(join(root, "dist", "index.html"), 2000);
    expect(await staleReason(join(root, "dist"), sources())).to.equal(undefined);
    at(join(root, "src", "lib", "a.ts"), 3000);
    expect(await staleReason(join(root, "dist"), sources())).to.equal(
      `${join(root, "src")} changed since the last build`,
    );
  });
});
