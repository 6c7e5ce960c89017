import { describe, expect, it } from "vitest";

import { MAX_ITEM_TITLE_LENGTH, MAX_ITEM_URL_LENGTH, scriptSnippet } from "@plaudit/protocol";
import { creatorA } from "../testing/fixtures.js";
import { snippetForm } from "./snippetForm.js";

const appUrl = "https://app.plaudit.test/";

describe("snippetForm", () => {
  it("has nothing to say before anything was typed", () => {
    expect(snippetForm(appUrl, creatorA, "")).toEqual({ kind: "empty" });
    expect(snippetForm(appUrl, creatorA, "   ")).toEqual({ kind: "empty" });
  });

  it("asks for a full https address while the text is not one", () => {
    for (const typed of ["h", "https://", "your.site/post"])
      expect(snippetForm(appUrl, creatorA, typed)).toEqual({
        kind: "invalid",
        field: "url",
        problem: "Enter the page's full address, starting with https:// (like https://your.site/post).",
      });
  });

  it("says why another scheme or a too long address cannot carry a button", () => {
    expect(snippetForm(appUrl, creatorA, "javascript:alert(1)")).toEqual({
      kind: "invalid",
      field: "url",
      problem: "Only a web page (http:// or https://) can carry a Plaudit button.",
    });
    expect(snippetForm(appUrl, creatorA, `https://x.test/${"a".repeat(MAX_ITEM_URL_LENGTH)}`)).toMatchObject({
      kind: "invalid",
      problem: `That address is too long: at most ${MAX_ITEM_URL_LENGTH} characters.`,
    });
  });

  it("gives the snippets for the canonical address once it is one", () => {
    const form = snippetForm(appUrl, creatorA, " https://your.site/post#comments ");
    expect(form).toMatchObject({ kind: "ready", itemUrl: "https://your.site/post" });
    if (form.kind !== "ready") return;
    expect(form.script).toBe(scriptSnippet({ appUrl, creator: creatorA, itemUrl: "https://your.site/post" }));
    expect(new URL(form.preview).searchParams.get("url")).toBe("https://your.site/post");
  });

  it("puts a typed title into both snippets and the preview, whitespace collapsed", () => {
    const form = snippetForm(appUrl, creatorA, "https://your.site/post", "  My   post  ");
    expect(form).toMatchObject({ kind: "ready", title: "My post" });
    if (form.kind !== "ready") return;
    expect(form.script).toBe(
      scriptSnippet({ appUrl, creator: creatorA, itemUrl: "https://your.site/post", title: "My post" }),
    );
    expect(form.script).toContain('data-plaudit-title="My post"');
    expect(new URL(form.preview).searchParams.get("title")).toBe("My post");
    expect(form.iframe).toContain("title=My+post");
  });

  it("leaves the title to the page when none is typed", () => {
    const form = snippetForm(appUrl, creatorA, "https://your.site/post", "   ");
    expect(form).toMatchObject({ kind: "ready", title: undefined });
    if (form.kind === "ready") expect(form.script).not.toContain("data-plaudit-title");
  });

  it("says what the keeper would refuse in a title instead of clipping it", () => {
    expect(snippetForm(appUrl, creatorA, "https://your.site/post", "x".repeat(MAX_ITEM_TITLE_LENGTH + 1))).toEqual({
      kind: "invalid",
      field: "title",
      problem: `That title is too long: at most ${MAX_ITEM_TITLE_LENGTH} characters (it has ${MAX_ITEM_TITLE_LENGTH + 1}).`,
    });
    expect(snippetForm(appUrl, creatorA, "https://your.site/post", "right\u202eto left")).toMatchObject({
      kind: "invalid",
      field: "title",
    });
  });
});
