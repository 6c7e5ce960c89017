import { describe, expect, it } from "vitest";

import { currentCursor, firstPage, hasPrevious, nextPage, pageNumber, previousPage } from "./pager.js";

describe("pager", () => {
  it("starts on the first page, read without a cursor, with nothing before it", () => {
    expect(currentCursor(firstPage)).toBeUndefined();
    expect(pageNumber(firstPage)).toBe(1);
    expect(hasPrevious(firstPage)).toBe(false);
    expect(previousPage(firstPage)).toBe(firstPage);
  });

  it("goes forward with each page's next cursor and back to the cursor each page was read with", () => {
    const second = nextPage(firstPage, "10");
    const third = nextPage(second, "20");
    expect([currentCursor(third), pageNumber(third), hasPrevious(third)]).toEqual(["20", 3, true]);
    expect(currentCursor(previousPage(third))).toBe("10");
    expect(currentCursor(previousPage(previousPage(third)))).toBeUndefined();
  });

  it("stays on the last page when there is no next cursor", () => {
    const second = nextPage(firstPage, "10");
    expect(nextPage(second, null)).toBe(second);
  });
});
