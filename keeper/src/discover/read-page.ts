/**
 * What a page says about its creator, read with htmlparser2 (a streaming parser: no DOM is built, and
 * nothing of the page runs): `<meta name="plaudit:creator" content="0x…">`, `<link rel="payment" href>`,
 * and its title (`<title>`, else `og:title`).
 */
import { Parser } from "htmlparser2";

export interface PageFacts {
  /** The content of the first `plaudit:creator` meta tag. */
  metaCreator: string | undefined;
  /** The hrefs of `<link rel="payment">` tags, in order. */
  paymentLinks: string[];
  title: string | undefined;
}

/** Links read at most (a page could list thousands). */
const MAX_PAYMENT_LINKS = 16;

export function readPage(html: string): PageFacts {
  const facts: PageFacts = { metaCreator: undefined, paymentLinks: [], title: undefined };
  let ogTitle: string | undefined;
  let inTitle = false;
  let title = "";
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "title" && facts.title === undefined) inTitle = true;
        if (name === "meta") {
          const key = (attributes["name"] ?? attributes["property"] ?? "").toLowerCase();
          const content = attributes["content"];
          if (content === undefined) return;
          if (key === "plaudit:creator" && facts.metaCreator === undefined) facts.metaCreator = content.trim();
          if (key === "og:title" && ogTitle === undefined) ogTitle = content;
        }
        if (name === "link") {
          const rel = (attributes["rel"] ?? "").toLowerCase().split(/\s+/);
          const href = attributes["href"];
          if (rel.includes("payment") && href !== undefined && facts.paymentLinks.length < MAX_PAYMENT_LINKS) {
            facts.paymentLinks.push(href.trim());
          }
        }
      },
      ontext(text) {
        if (inTitle) title += text;
      },
      onclosetag(name) {
        if (name === "title" && inTitle) {
          inTitle = false;
          facts.title = title;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  facts.title ??= ogTitle;
  return facts;
}
