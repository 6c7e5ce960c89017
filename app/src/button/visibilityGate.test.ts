import { describe, expect, it } from "vitest";

import {
  decideClick,
  defaultGateOptions,
  visibleSince,
  type ClickEvidence,
  type VisibilityReport,
} from "./visibilityGate.js";

const AT = "10,10,120,30|10,10,120,30|340x120";
const MOVED = "60,10,120,30|60,10,120,30|340x120";
const CLICK = 10_000;
const { minVisibleMs, settleMs, maxWaitMs } = defaultGateOptions;

const seen = (time: number, geometry = AT): VisibilityReport => ({ kind: "visibility", time, visible: true, geometry });
const hidden = (time: number, geometry = AT): VisibilityReport => ({
  kind: "visibility",
  time,
  visible: false,
  geometry,
});
const changed = (time: number): VisibilityReport => ({ kind: "change", time });

/** A probe's report once the settle period after the click is over: the one that can confirm it. */
const CONFIRM = CLICK + settleMs + 16;

/** An honest history: visible since long before the click, probed just after it and after the settle period. */
const honest = (extra: VisibilityReport[] = []): VisibilityReport[] => [
  seen(1_000),
  seen(CLICK + 16),
  seen(CONFIRM),
  ...extra,
];

const decide = (reports: VisibilityReport[], rest: Partial<Omit<ClickEvidence, "reports">> = {}) =>
  decideClick({ reports, clickTime: CLICK, now: CONFIRM + 4, ...rest });

describe("the click visibility gate", () => {
  it("authorises a click on a button visible long before the gesture and confirmed after the click", () => {
    expect(decide(honest())).toEqual({ kind: "authorised" });
    expect(decide(honest(), { pointerDownTime: CLICK - 120 })).toEqual({ kind: "authorised" });
  });

  it("refuses the race: an invisible report computed just before the click but delivered after it", () => {
    // At click time the last report said visible; the report of the hide arrives a moment later.
    const reports = honest([hidden(CLICK - 5)]);
    expect(decide(reports, { now: CLICK + 1 })).toEqual({ kind: "refused", reason: "not-visible" });
    expect(decide(reports)).toEqual({ kind: "refused", reason: "not-visible" });
  });

  it("refuses the race: an invisible report computed just after the click, before the wait ends", () => {
    expect(decide(honest([hidden(CLICK + 90)]))).toEqual({ kind: "refused", reason: "not-visible" });
  });

  it("does not authorise on a visible report computed inside the settle period, however long it waits", () => {
    // Right after the click a report can still carry the embedder's earlier state (a hide in flight).
    const early = [seen(1_000), seen(CLICK + 16)];
    const probeFrom = CLICK + settleMs;
    expect(decide(early, { now: CLICK + 20 })).toEqual({ kind: "wait", until: probeFrom, probeFrom });
    expect(decide(early, { now: probeFrom })).toEqual({ kind: "wait", until: CLICK + maxWaitMs, probeFrom });
    expect(decide(early, { now: CLICK + maxWaitMs })).toEqual({ kind: "refused", reason: "unconfirmed" });
    // The hide reaches the frame late (a loaded machine): the probe after the settle period reports it.
    expect(decide([...early, hidden(CLICK + 450)], { now: CLICK + 460 })).toEqual({
      kind: "refused",
      reason: "not-visible",
    });
    // The hide of the attack reported inside the period refuses as well.
    expect(decide([...early, hidden(CLICK + 150), seen(CONFIRM)])).toMatchObject({ kind: "refused" });
  });

  it("gives a frame that handles the click late (a loaded machine) its whole wait for confirmation", () => {
    const handledTime = CLICK + 900;
    const before = [seen(1_000)];
    expect(decide(before, { handledTime, now: handledTime + 10 })).toEqual({
      kind: "wait",
      until: handledTime + maxWaitMs,
      probeFrom: CLICK + settleMs,
    });
    expect(decide([...before, seen(handledTime + 30)], { handledTime, now: handledTime + 40 })).toEqual({
      kind: "authorised",
    });
    expect(decide(before, { handledTime, now: handledTime + maxWaitMs })).toEqual({
      kind: "refused",
      reason: "unconfirmed",
    });
  });

  it("refuses a button whose visible run is shorter than the window before the gesture", () => {
    // Hidden, then shown 100 ms before the click (a button slid under the pointer).
    expect(decide([seen(1_000), hidden(CLICK - 300), seen(CLICK - 100), seen(CLICK + 16)])).toEqual({
      kind: "refused",
      reason: "not-visible",
    });
    // Hidden long ago, visible again only 100 ms before the click.
    expect(decide([seen(1_000), hidden(5_000), seen(CLICK - 100), seen(CLICK + 16)])).toEqual({
      kind: "refused",
      reason: "too-recent",
    });
    // First report only 300 ms before the click: nothing covers the window's start.
    expect(decide([seen(CLICK - 300), seen(CLICK + 16)])).toEqual({ kind: "refused", reason: "too-recent" });
    // No report at all.
    expect(decide([])).toEqual({ kind: "refused", reason: "too-recent" });
  });

  it("measures the window from the pointerdown, not from the click", () => {
    // Visible from 600 ms before the click, but the pointer went down 200 ms before the click.
    const reports = [seen(CLICK - 600), seen(CONFIRM)];
    expect(decide(reports)).toEqual({ kind: "authorised" });
    expect(decide(reports, { pointerDownTime: CLICK - 200 })).toEqual({ kind: "refused", reason: "too-recent" });
    // Hidden between pointerdown and click.
    expect(decide(honest([hidden(CLICK - 50)]), { pointerDownTime: CLICK - 100 })).toEqual({
      kind: "refused",
      reason: "not-visible",
    });
    // A pointerdown "after" the click or absurdly old is not trusted as the start; the click is.
    expect(decide(honest(), { pointerDownTime: CLICK + 50 })).toEqual({ kind: "authorised" });
    expect(decide(honest(), { pointerDownTime: CLICK - 60_000 })).toEqual({ kind: "authorised" });
  });

  it("refuses a visible report older than the window when the state since is unknown (a layout change)", () => {
    // Visible long ago, then the frame was resized just before the click: the old report no longer covers it.
    expect(decide(honest([changed(CLICK - 30)]))).toEqual({ kind: "refused", reason: "changed" });
    // A layout change long before the click, followed by a fresh visible report, is fine.
    expect(decide([seen(1_000), changed(2_000), seen(2_016), seen(CONFIRM)])).toEqual({ kind: "authorised" });
  });

  it("refuses when the button's geometry changed between the last visible report and the click", () => {
    expect(decide([seen(1_000), seen(CLICK - 40, MOVED), seen(CLICK + 16, MOVED)])).toEqual({
      kind: "refused",
      reason: "changed",
    });
    // The confirming report after the click shows another geometry than the run before it.
    expect(decide([seen(1_000), seen(CLICK + 16, MOVED)])).toEqual({ kind: "refused", reason: "changed" });
  });

  it("waits for a report computed after the settle period and refuses when none comes in time", () => {
    const before = [seen(1_000)];
    expect(decide(before, { now: CLICK + settleMs })).toEqual({
      kind: "wait",
      until: CLICK + maxWaitMs,
      probeFrom: CLICK + settleMs,
    });
    expect(decide(before, { now: CLICK + maxWaitMs })).toEqual({ kind: "refused", reason: "unconfirmed" });
    // A report computed before the click does not confirm it, however it is ordered in the list.
    expect(decide([seen(CLICK - 1), seen(1_000)], { now: CLICK + maxWaitMs })).toEqual({
      kind: "refused",
      reason: "unconfirmed",
    });
  });

  it("ignores reports from the future and non-finite times", () => {
    // A "visible" report stamped after `now` cannot confirm; a NaN time cannot start a run.
    expect(decide([seen(1_000), seen(CLICK + 10_000)], { now: CLICK + maxWaitMs })).toEqual({
      kind: "refused",
      reason: "unconfirmed",
    });
    expect(decide([seen(Number.NaN), seen(CLICK + 16)])).toEqual({ kind: "refused", reason: "too-recent" });
  });

  it("requires the run to cover exactly the configured window", () => {
    const start = CLICK - minVisibleMs;
    expect(decide([seen(start), seen(CONFIRM)])).toEqual({ kind: "authorised" });
    expect(decide([seen(start + 1), seen(CONFIRM)])).toEqual({ kind: "refused", reason: "too-recent" });
  });

  it("tells since when the button is steadily visible, which gates enabling it", () => {
    expect(visibleSince([seen(100), seen(300)], 1_000)).toBe(100);
    expect(visibleSince([seen(100), hidden(200), seen(400)], 1_000)).toBe(400);
    expect(visibleSince([seen(100), changed(200)], 1_000)).toBeUndefined();
    expect(visibleSince([seen(100), seen(200, MOVED)], 1_000)).toBe(200);
    expect(visibleSince([seen(100), hidden(900)], 800)).toBe(100);
    expect(visibleSince([], 1_000)).toBeUndefined();
  });
});
