import { readFile } from "node:fs/promises";

import { expect } from "chai";

import { GENERATED_ABIS_PATH, renderAbis } from "../../scripts/generate-abis.js";
import { plauditPoolAbi } from "@plaudit/protocol";
import { deployPoolFixture, networkHelpers } from "../helpers/fixtures.js";

describe("protocol ABIs", () => {
  it("abis: protocol/src/generated/abis.ts is what `npm run generate` renders from the current artifacts", async () => {
    const committed = await readFile(GENERATED_ABIS_PATH, "utf8");
    expect(committed, "stale generated ABIs: run `npm run generate`").to.equal(await renderAbis());
  });

  it("abis: the generated pool ABI has every function and event of the deployed pool", async () => {
    const { pool } = await networkHelpers.loadFixture(deployPoolFixture);
    const names = (type: string) =>
      plauditPoolAbi
        .filter((item) => item.type === type)
        .map((item) => ("name" in item ? item.name : ""))
        .sort();
    const functions: string[] = [];
    pool.interface.forEachFunction((f) => functions.push(f.name));
    const events: string[] = [];
    pool.interface.forEachEvent((e) => events.push(e.name));
    expect(names("function")).to.deep.equal(functions.sort());
    expect(names("event")).to.deep.equal(events.sort());
  });
});
