/**
 * An automated accessibility check of a page with axe-core (@axe-core/playwright): no violation of
 * WCAG 2.x A/AA rules that axe rates serious or critical. Lesser findings are printed, not failed.
 */
import assert from "node:assert/strict";

import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";

const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const FAILING_IMPACTS = new Set(["serious", "critical"]);

/** Checks `page`, or only the part of it that the CSS selector `include` names (a frame, say). */
export async function expectAccessible(page: Page, what: string, include?: string): Promise<void> {
  const builder = new AxeBuilder({ page }).withTags(WCAG_TAGS);
  if (include !== undefined) builder.include(include);
  const { violations } = await builder.analyze();
  const describe = (v: (typeof violations)[number]) =>
    `${v.impact ?? "?"} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`;
  const minor = violations.filter((v) => !FAILING_IMPACTS.has(v.impact ?? ""));
  if (minor.length > 0) console.log(`axe, ${what} (not failing):\n  ${minor.map(describe).join("\n  ")}`);
  assert.deepEqual(
    violations.filter((v) => FAILING_IMPACTS.has(v.impact ?? "")).map(describe),
    [],
    `serious accessibility problems on ${what}`,
  );
}
