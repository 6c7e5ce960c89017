import { describe, expect, it } from "vitest";

import { scope } from "../testing/fixtures.js";
import { approveSite, declineSite, isSiteName, siteApproved, siteDeclined } from "./siteApproval.js";
import { memoryStore } from "./storage.js";

describe("site approvals", () => {
  it("allows a site for the month it was approved in only", () => {
    const store = memoryStore();
    approveSite(store, scope, "blog.example", 4n);
    expect(siteApproved(store, scope, "blog.example", 4n)).toBe(true);
    expect(siteApproved(store, scope, "BLOG.example", 4n)).toBe(true);
    expect(siteApproved(store, scope, "blog.example", 5n)).toBe(false);
    expect(siteApproved(store, scope, "other.example", 4n)).toBe(false);
    expect(siteApproved(store, scope, undefined, 4n)).toBe(false);
  });

  it("remembers a 'not now' for the month, and an approval replaces it", () => {
    const store = memoryStore();
    declineSite(store, scope, "blog.example", 4n);
    expect(siteDeclined(store, scope, "blog.example", 4n)).toBe(true);
    expect(siteDeclined(store, scope, "blog.example", 5n)).toBe(false);
    approveSite(store, scope, "blog.example", 4n);
    expect(siteDeclined(store, scope, "blog.example", 4n)).toBe(false);
  });

  it("takes host names only", () => {
    expect(isSiteName("127.0.0.1")).toBe(true);
    expect(isSiteName("[::1]")).toBe(true);
    expect(isSiteName("a.example/path")).toBe(false);
    expect(isSiteName("x:y")).toBe(false);
    expect(() => approveSite(memoryStore(), scope, "evil.example:1", 0n)).toThrow(RangeError);
  });
});
