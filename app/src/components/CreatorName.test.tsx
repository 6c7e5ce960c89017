import { renderToStaticMarkup } from "react-dom/server";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";

import { CreatorNameView } from "./CreatorName.js";

const creator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const HOSTILE = "<img src=x onerror=alert(1)>";

const render = (profileName: string | undefined, ensName: string | undefined, link = true) =>
  renderToStaticMarkup(<CreatorNameView address={creator} profileName={profileName} ensName={ensName} link={link} />);

describe("CreatorNameView", () => {
  it("renders a hostile name as text, never as markup", () => {
    for (const html of [render(HOSTILE, undefined), render(undefined, HOSTILE)]) {
      expect(html).not.toContain("<img");
      expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    }
  });

  it("prefers the verified profile's name, with the full address as title and a link to the public page", () => {
    const html = render("Ada Lovelace", "ada.eth");
    expect(html).toBe(
      `<a href="#/c/${creator}" title="${creator}" data-testid="creator-name"><span class="creator-name">Ada Lovelace</span></a>`,
    );
  });

  it("marks an ENS name as the creator's ENS name, for eyes and screen readers", () => {
    const html = render(undefined, "ada.eth");
    expect(html).toContain('<span class="creator-name">ada.eth</span>');
    expect(html).toMatch(/<span class="badge"[^>]*>ENS<span class="visually-hidden"> name<\/span><\/span>/);
  });

  it("falls back to the short address, and links nowhere where asked not to", () => {
    expect(render(undefined, undefined, false)).toBe(
      `<span title="${creator}" data-testid="creator-name"><code>0x90F7…b906</code></span>`,
    );
  });
});
