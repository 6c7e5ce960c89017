import { describe, expect, it } from "vitest";

import { parseItem } from "./item.js";
import { buttonUrl, iframeSnippet, scriptSnippet } from "@plaudit/protocol";

const input = {
  appUrl: "https://app.plaudit.test/",
  creator: "0x00000000000000000000000000000000000000A1" as const,
  itemUrl: 'https://blog.test/a?x="1"#top',
};

describe("button snippets", () => {
  it("point at the button page with the creator and the canonical item URL, which the button reads back", () => {
    const url = new URL(buttonUrl(input));
    expect(url.origin + url.pathname).toBe("https://app.plaudit.test/button.html");
    const item = parseItem(url.search);
    expect(item.creator).toBe("0x00000000000000000000000000000000000000A1");
    expect(item.url).toBe("https://blog.test/a?x=%221%22");
  });

  it("escape attributes so an item URL cannot break out of the tag", () => {
    for (const snippet of [iframeSnippet(input), scriptSnippet(input)]) {
      expect(snippet).not.toMatch(/"1"/);
      expect(snippet.match(/</g)).toHaveLength(2);
    }
    expect(scriptSnippet({ ...input, itemUrl: 'https://x.test/"><script>alert(1)</script>' })).not.toContain(
      "<script>alert",
    );
  });

  it("refuse items that are not http(s) and buttons without a creator", () => {
    expect(() => buttonUrl({ ...input, itemUrl: "javascript:alert(1)" })).toThrow(/http/);
    expect(() => parseItem("?url=https://x.test/")).toThrow(/creator/);
  });
});
