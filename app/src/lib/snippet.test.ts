import { describe, expect, it } from "vitest";

import { parseItem } from "./item.js";
import {
  buttonUrl,
  cleanItemTitle,
  iframeSnippet,
  itemTitleSchema,
  MAX_ITEM_TITLE_LENGTH,
  scriptSnippet,
} from "@plaudit/protocol";

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

  it("carry the item's title to the button, which reads it back", () => {
    const titled = { ...input, title: 'Notes on "quotes" & <tags>' };
    expect(new URL(buttonUrl(titled)).searchParams.get("title")).toBe('Notes on "quotes" & <tags>');
    expect(parseItem(new URL(buttonUrl(titled)).search).title).toBe('Notes on "quotes" & <tags>');
    expect(scriptSnippet(titled)).toContain('data-plaudit-title="Notes on &quot;quotes&quot; &amp; &lt;tags&gt;"');
    expect(scriptSnippet(titled).match(/</g)).toHaveLength(2);
  });

  it("leave the title out when none is given, so the script's button takes the page's own", () => {
    expect(scriptSnippet(input)).not.toContain("data-plaudit-title");
    expect(scriptSnippet({ ...input, title: " \u200b " })).not.toContain("data-plaudit-title");
    expect(new URL(buttonUrl(input)).searchParams.has("title")).toBe(false);
    expect(parseItem(new URL(buttonUrl(input)).search).title).toBeUndefined();
  });

  it("clean a title the way the keeper takes it: no controls or invisible characters, bounded", () => {
    expect(cleanItemTitle("  Line one\nline\u202e two\u0000 ")).toBe("Line one line two");
    const long = cleanItemTitle("é".repeat(MAX_ITEM_TITLE_LENGTH + 50)) ?? "";
    expect(long).toHaveLength(MAX_ITEM_TITLE_LENGTH);
    expect(long.endsWith("…")).toBe(true);
    // Clipped between, never inside, a surrogate pair.
    const emoji = cleanItemTitle(`a${"👏".repeat(MAX_ITEM_TITLE_LENGTH)}`) ?? "";
    expect(emoji.length).toBeLessThanOrEqual(MAX_ITEM_TITLE_LENGTH);
    expect(emoji).toMatch(/^a(👏)+…$/u);
    for (const raw of ["x\u2066y", "\t\ttab", "a".repeat(5000), "ok"])
      expect(itemTitleSchema.safeParse(cleanItemTitle(raw)).success).toBe(true);
    expect(cleanItemTitle("\u200b\u200b")).toBeUndefined();
    expect(cleanItemTitle(null)).toBeUndefined();
  });

  it("give a button a title from its URL only as clean text, whatever the embedding page put there", () => {
    const search = `?creator=${input.creator}&url=https://x.test/&title=${encodeURIComponent("<b>hi</b>\u2028\u202eevil")}`;
    expect(parseItem(search).title).toBe("<b>hi</b> evil");
  });

  it("refuse items that are not http(s) and buttons without a creator", () => {
    expect(() => buttonUrl({ ...input, itemUrl: "javascript:alert(1)" })).toThrow(/http/);
    expect(() => parseItem("?url=https://x.test/")).toThrow(/creator/);
  });
});
