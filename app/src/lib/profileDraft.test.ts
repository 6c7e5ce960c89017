import { getAddress } from "viem";
import { describe, expect, it } from "vitest";

import { MAX_PROFILE_LINKS, MAX_PROFILE_NAME_LENGTH } from "@plaudit/protocol";
import { checkDraft, profileToSign, type ProfileDraft } from "./profileDraft.js";

const creator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const draft: ProfileDraft = {
  name: "Ada Lovelace",
  bio: "Notes\non engines.",
  avatar: "",
  website: "https://ada.example/",
  links: "https://social.example/@ada\n\n  https://code.example/ada  \n",
};

describe("checkDraft", () => {
  it("turns a good draft into the fields to sign, links one per line, blank lines dropped", () => {
    expect(checkDraft(draft)).toEqual({
      ok: true,
      fields: {
        name: "Ada Lovelace",
        bio: "Notes\non engines.",
        avatar: "",
        website: "https://ada.example/",
        links: ["https://social.example/@ada", "https://code.example/ada"],
      },
    });
  });

  it("names each bad field with the protocol's own words and bounds", () => {
    const check = checkDraft({
      name: "<b>Ada</b>",
      bio: "",
      avatar: "javascript:alert(1)",
      website: "ftp://ada.example/",
      links: "https://ok.example/\nnot a url",
    });
    expect(check).toEqual({
      ok: false,
      problems: {
        name: "no markup characters (< > & \" ' `)",
        avatar: "not an http(s) URL (without credentials)",
        website: "not an http(s) URL (without credentials)",
        links: "line 2: not an http(s) URL (without credentials)",
      },
    });
    expect(checkDraft({ ...draft, name: "a".repeat(MAX_PROFILE_NAME_LENGTH + 1) })).toMatchObject({
      problems: { name: `at most ${MAX_PROFILE_NAME_LENGTH} characters` },
    });
    expect(checkDraft({ ...draft, name: "" })).toMatchObject({ problems: { name: "a name is required" } });
    const tooMany = Array.from({ length: MAX_PROFILE_LINKS + 1 }, (_, i) => `https://l${i}.example/`).join("\n");
    expect(checkDraft({ ...draft, links: tooMany })).toMatchObject({
      problems: { links: `at most ${MAX_PROFILE_LINKS} links` },
    });
  });
});

describe("profileToSign", () => {
  it("signs one version above the stored one, or version 1", () => {
    const check = checkDraft(draft);
    if (!check.ok) throw new Error("the draft is good");
    expect(profileToSign(creator, check.fields, 4n).version).toBe(5n);
    expect(profileToSign(creator, check.fields, undefined)).toMatchObject({ creator, version: 1n });
  });
});
