/**
 * @plaudit/protocol as an outside client gets it: `npm pack` builds and packs it, the tarball is
 * unpacked into a project outside the workspace (as `npm install <tarball>` lays it out), and the
 * package's plain-JavaScript example signs a tally there and posts it to a real keeper, with plain
 * Node.js: no TypeScript loader, no workspace, no source condition.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { expect } from "chai";

import { signedTallySchema } from "@plaudit/protocol";
import type { RunningKeeper } from "../../keeper/src/index.js";
import { createLocalChain, deployPool, type LocalChain, type PoolFixture } from "../keeper/chain-fixture.js";
import { getJson, startTestKeeper, tempDir } from "../keeper/keeper-fixture.js";

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const protocolDir = join(repoRoot, "protocol");
/** What the package needs at run time, linked from the workspace's own install (no registry here). */
const RUNTIME_DEPENDENCIES = ["viem", "zod"];

describe("@plaudit/protocol as a published package", function () {
  this.timeout(180_000);
  let outside: string;
  let tarball: string;

  before(async () => {
    outside = await mkdtemp(join(tmpdir(), "plaudit-outside-client-"));
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", outside], {
      cwd: protocolDir,
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf("["))) as { filename: string; files: { path: string }[] }[];
    if (packed === undefined) throw new Error("npm pack reported no tarball");
    tarball = join(outside, packed.filename);
    const installed = join(outside, "node_modules", "@plaudit", "protocol");
    await mkdir(installed, { recursive: true });
    await run("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    for (const name of RUNTIME_DEPENDENCIES) {
      await symlink(join(repoRoot, "node_modules", name), join(outside, "node_modules", name), "dir");
    }
    await copyFile(join(protocolDir, "examples", "post-tally.mjs"), join(outside, "post-tally.mjs"));
  });

  after(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it("packs built ESM with types and its README, and no tests or build configuration", async () => {
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    for (const file of [
      "package/package.json",
      "package/README.md",
      "package/dist/index.js",
      "package/dist/index.d.ts",
    ]) {
      expect(files).to.include(file);
    }
    expect(files.filter((f) => /test|tsconfig/.test(f))).to.deep.equal([]);
    const manifest = JSON.parse(await readFile(join(outside, "node_modules/@plaudit/protocol/package.json"), "utf8"));
    expect(manifest.exports["."].default).to.equal("./dist/index.js");
  });

  describe("the example client", () => {
    let chain: LocalChain;
    let fixture: PoolFixture;
    let keeper: RunningKeeper;
    let dir: ReturnType<typeof tempDir>;

    before(async () => {
      chain = await createLocalChain();
      fixture = await deployPool(chain);
      await fixture.goToEpoch(0n, 10n);
      dir = tempDir();
      keeper = await startTestKeeper(fixture, { dataDir: dir.path });
    });

    after(async () => {
      await keeper.stop();
      dir.remove();
      await chain.close();
    });

    const example = (env: Record<string, string>) =>
      run(process.execPath, ["post-tally.mjs"], {
        cwd: outside,
        env: { PATH: process.env["PATH"] ?? "", NODE_OPTIONS: "", KEEPER_URL: keeper.url, ...env },
      });

    it("signs a reader's tally with the packed package and the keeper stores it", async () => {
      const reader = await fixture.newReader();
      const creator = fixture.creators[0] as string;
      const { stdout } = await example({ READER_KEY: reader.key, CREATOR: creator, ITEM_URL: "https://blog.test/a" });
      expect(JSON.parse(stdout)).to.deep.equal({ status: "stored", seq: "1" });

      const stored = await getJson(`${keeper.url}/v1/readers/${reader.address}/tallies?epoch=0`);
      const [tally] = (stored.body["tallies"] as unknown[]).map((t) => signedTallySchema.parse(t));
      expect(tally?.signer).to.equal(reader.address);
      expect(tally?.creators).to.deep.equal([creator]);
      expect(tally?.counts).to.deep.equal([1]);
    });

    it("is refused, with the keeper's code, for a reader without a budget", async () => {
      const { key } = await chain.fundedAccount();
      const failed = await example({ READER_KEY: key, CREATOR: fixture.creators[0] as string }).then(
        () => undefined,
        (error: { stderr: string }) => error,
      );
      expect(failed?.stderr)
        .to.match(/KeeperError/)
        .and.to.match(/budget/);
    });
  });
});
