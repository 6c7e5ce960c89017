import { getAddress } from "viem";
import { describe, expect, it } from "vitest";

import { creatorA } from "../testing/fixtures.js";
import { creatorPageHref, parseRoute, tipCreatorOf } from "./routes.js";

const creator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");

describe("parseRoute", () => {
  it("opens a creator's public page by address, in any case, checksummed", () => {
    expect(parseRoute(`#/c/${creator.toLowerCase()}`)).toEqual({ page: "public", creator });
    expect(parseRoute(`#/c/${creator}/`)).toEqual({ page: "public", creator });
    expect(parseRoute(`#c/${creator}`)).toEqual({ page: "public", creator });
    expect(parseRoute(creatorPageHref(creator))).toEqual({ page: "public", creator });
  });

  it("opens a creator's page by ENS name, to be resolved", () => {
    expect(parseRoute("#/c/Ada.eth")).toEqual({ page: "public-name", name: "ada.eth" });
    expect(parseRoute("#/c/caf%C3%A9.eth")).toEqual({ page: "public-name", name: "café.eth" });
  });

  it("says when the text after #/c/ is neither an address nor a name", () => {
    expect(parseRoute("#/c/0x1234")).toEqual({ page: "public-invalid", text: "0x1234" });
    expect(parseRoute("#/c/%3Cscript%3E")).toEqual({ page: "public-invalid", text: "<script>" });
    expect(parseRoute("#/c/%E0%A4%A")).toEqual({ page: "public-invalid", text: "%E0%A4%A" });
    expect(parseRoute("#/c/")).toEqual({ page: "public-invalid", text: "" });
  });

  it("opens the navigation's pages, and the reader's page for anything else", () => {
    expect(parseRoute("#/popular")).toEqual({ page: "popular" });
    expect(parseRoute("#/creator")).toEqual({ page: "creator" });
    expect(parseRoute("#/status")).toEqual({ page: "status" });
    for (const hash of ["", "#", "#/", "#/nowhere", "#/toString", "#/c"])
      expect(parseRoute(hash)).toEqual({ page: "reader" });
  });
});

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
