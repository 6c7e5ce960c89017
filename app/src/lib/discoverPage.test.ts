import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { KEEPER_ERROR_CODES } from "@plaudit/protocol";
import { creatorA } from "../testing/fixtures.js";
import {
  applaudRoute,
  checkPageUrl,
  DISCOVER_ERROR_SENTENCES,
  discoverPage,
  prefilledUrl,
  sharedPageUrl,
} from "./discoverPage.js";

const keeperUrl = "http://keeper.test/";

/** The keeper's POST /v1/discover answering `status` with `body`, recording what it was asked. */
function keeper(status: number, body: unknown) {
  const asked: { url: string; body: unknown }[] = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    asked.push({ url: String(input), body: JSON.parse(String(init?.body)) });
    return Response.json(body, { status });
  };
  return { fetch: fetchImpl, asked };
}

describe("discoverPage", () => {
  it("asks the keeper about the page and gives the creator, title and source it found", async () => {
    const k = keeper(200, { creator: creatorA, title: "On engines", source: "meta" });
    expect(await discoverPage({ fetch: k.fetch, keeperUrl }, "https://blog.test/42")).toEqual({
      kind: "found",
      url: "https://blog.test/42",
      creator: creatorA,
      title: "On engines",
      source: "meta",
    });
    expect(k.asked).toEqual([{ url: "http://keeper.test/v1/discover", body: { url: "https://blog.test/42" } }]);
  });

  it("says no creator was found on the keeper's no_creator_found", async () => {
    const k = keeper(404, { error: { code: "no_creator_found", message: "no creator found on https://x.test/" } });
    expect(await discoverPage({ fetch: k.fetch, keeperUrl }, "https://x.test/")).toEqual({
      kind: "none",
      url: "https://x.test/",
    });
  });

  it("turns each refusal into its sentence, never the keeper's own text", async () => {
    const k = keeper(422, { error: { code: "address_refused", message: "url: 10.0.0.1 <b>is private</b>" } });
    const result = await discoverPage({ fetch: k.fetch, keeperUrl }, "https://intranet.test/");
    expect(result).toEqual({
      kind: "failed",
      url: "https://intranet.test/",
      code: "address_refused",
      sentence: DISCOVER_ERROR_SENTENCES.address_refused,
    });
  });

  it("has a sentence of its own for every code the discovery route answers with, all of them keeper codes", () => {
    const sentences = Object.values(DISCOVER_ERROR_SENTENCES);
    for (const code of ["address_refused", "redirect_refused", "fetch_failed", "rate_limited", "invalid_body"])
      expect(DISCOVER_ERROR_SENTENCES).toHaveProperty(code);
    for (const code of Object.keys(DISCOVER_ERROR_SENTENCES))
      expect(KEEPER_ERROR_CODES as readonly string[]).toContain(code);
    const discoverySpecific = ["address_refused", "redirect_refused", "fetch_failed", "rate_limited"] as const;
    expect(new Set(discoverySpecific.map((c) => DISCOVER_ERROR_SENTENCES[c])).size).toBe(discoverySpecific.length);
    expect(sentences.every((s) => s.endsWith("."))).toBe(true);
  });

  it("refuses an answer that does not match the protocol's schema, and says so when the keeper is away", async () => {
    const odd = keeper(200, { creator: "<script>", title: null, source: "meta" });
    expect(await discoverPage({ fetch: odd.fetch, keeperUrl }, "https://x.test/")).toMatchObject({
      kind: "failed",
      code: undefined,
    });
    const down: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await discoverPage({ fetch: down, keeperUrl }, "https://x.test/")).toMatchObject({
      kind: "failed",
      sentence: expect.stringMatching(/cannot be reached/),
    });
    expect(await discoverPage({ fetch: down, keeperUrl: undefined }, "https://x.test/")).toMatchObject({
      kind: "failed",
      sentence: expect.stringMatching(/No keeper/),
    });
  });
});

describe("checkPageUrl", () => {
  it("takes an http(s) page in its canonical form and says what is wrong with anything else", () => {
    expect(checkPageUrl(" https://blog.test/a#comments ")).toEqual({ url: "https://blog.test/a" });
    expect(checkPageUrl("javascript:alert(1)")).toEqual({
      problem: "Only a web page (http:// or https://) can be applauded.",
    });
    expect(checkPageUrl("blog.test/a")).toMatchObject({ problem: expect.stringMatching(/full address/) });
    expect(checkPageUrl("")).toMatchObject({ problem: expect.stringMatching(/Enter the address/) });
  });
});

describe("sharedPageUrl", () => {
  it("takes the shared url, else the first http(s) URL inside the shared text (as Android shares)", () => {
    expect(sharedPageUrl("?title=T&text=&url=https%3A%2F%2Fblog.test%2Fa")).toBe("https://blog.test/a");
    expect(sharedPageUrl(`?title=On+engines&text=${encodeURIComponent("Read this: https://blog.test/b.")}`)).toBe(
      "https://blog.test/b",
    );
    expect(sharedPageUrl(`?text=${encodeURIComponent("(see https://blog.test/c?x=1)")}`)).toBe(
      "https://blog.test/c?x=1",
    );
  });

  it("shares no page when the query carries none, or only a non-web one", () => {
    expect(sharedPageUrl("")).toBeUndefined();
    expect(sharedPageUrl("?title=Just+a+title&text=no+link+here")).toBeUndefined();
    expect(sharedPageUrl("?url=javascript%3Aalert(1)&text=file%3A%2F%2F%2Fetc%2Fpasswd")).toBeUndefined();
  });

  it("routes a shared page to the Applaud page, which reads it back", () => {
    const url = "https://blog.test/a?x=1&y=2";
    expect(prefilledUrl(applaudRoute(url))).toBe(url);
    expect(applaudRoute(undefined)).toBe("#/applaud");
    expect(prefilledUrl("#/applaud")).toBe("");
  });
});

describe("the web app manifest", () => {
  it("is valid JSON naming Plaudit, its icon, and a GET share target at the dApp's root for title, text and url", () => {
    const manifest = JSON.parse(
      readFileSync(new URL("../../public/manifest.webmanifest", import.meta.url), "utf8"),
    ) as {
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; type: string }[];
      share_target: { action: string; method: string; params: Record<string, string> };
    };
    expect(manifest.name).toBe("Plaudit");
    expect(manifest.start_url).toBe("./");
    expect(manifest.display).toBe("standalone");
    expect(manifest.icons).toContainEqual(expect.objectContaining({ src: "favicon.svg", type: "image/svg+xml" }));
    expect(manifest.share_target).toEqual({
      action: "./",
      method: "GET",
      params: { title: "title", text: "text", url: "url" },
    });
    // The query the share target sends is the one the dApp reads.
    const shared = new URLSearchParams({ title: "t", text: "x", url: "https://blog.test/z" });
    expect(sharedPageUrl(`?${shared.toString()}`)).toBe("https://blog.test/z");
  });

  it("is linked from the dApp's page", () => {
    const html = readFileSync(new URL("../../index.html", import.meta.url), "utf8");
    expect(html).toMatch(/<link rel="manifest" href="\/manifest\.webmanifest" \/>/);
  });
});
