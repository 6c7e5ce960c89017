import { describe, expect, it } from "vitest";

import { creatorA } from "../testing/fixtures.js";
import { tipCreatorOf } from "./TipPage.js";

describe("tipCreatorOf", () => {
  it("reads the creator of #/tip/<address>, checksummed whatever its case", () => {
    expect(tipCreatorOf(`#/tip/${creatorA.toLowerCase()}`)).toBe(creatorA);
    expect(tipCreatorOf(`#/tip/${creatorA}`)).toBe(creatorA);
  });

  it("says null for a tip route that names no address, so the page refuses it", () => {
    for (const hash of [
      "#/tip/",
      "#/tip/0x1234",
      "#/tip/vitalik.eth",
      `#/tip/${creatorA}x`,
      "#/tip/%3Cscript%3E",
      "#/tip/%E0%A4%A",
    ])
      expect(tipCreatorOf(hash)).toBeNull();
  });

  it("leaves other routes alone", () => {
    for (const hash of ["", "#/reader", "#/creator", `#/c/${creatorA}`, `#/tip/${creatorA}/more`])
      expect(tipCreatorOf(hash)).toBeUndefined();
  });
});
