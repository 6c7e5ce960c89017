/**
 * Whether a click on the embedded button may count, decided from IntersectionObserver v2 evidence
 * that COVERS the click, never from the last report alone. A report can be a full observer period
 * (`delay`) plus the browser's cross-process propagation old, so a page that hides or covers the
 * button just as the real click lands would otherwise get the click counted.
 *
 * A click is authorised only when the button was reported visible, with unchanged geometry, without a
 * break, from at least `minVisibleMs` before the gesture started (the earlier of pointerdown and click)
 * until a report computed at least `settleMs` (two observer periods) AFTER the click: the reports
 * themselves must cover the settle period, so a hide that began just before the click and reached this
 * frame late is reported inside it. Waiting out `settleMs` on the clock is not enough: a report
 * computed soon after the click can still carry the embedder's earlier state (for a cross-process
 * frame the embedder's opacity and occlusion arrive by message, late on a loaded machine), and the
 * report of the hide can come later than any fixed delay.
 * Anything else refuses; while the evidence is incomplete the answer is to wait, up to `maxWaitMs`
 * after the click or after the frame got to handle it, whichever is later (a frame that runs late
 * gets the same chance to confirm as one that does not), then refuse. Pure: times are the page's
 * DOMHighResTimeStamps (`event.timeStamp`, `entry.time`, `performance.now()` share one clock).
 */

/** One observation: an IntersectionObserver v2 entry, or a change of the frame's own layout. */
export type VisibilityReport =
  | {
      kind: "visibility";
      /** `entry.time`: when the browser computed it. */
      time: number;
      /** `isVisible && isIntersecting`. */
      visible: boolean;
      /** The target's rectangles (rounded) as a comparable string; any change breaks the visible run. */
      geometry: string;
    }
  | {
      /** The frame's viewport was resized, the document hidden, …: no visibility known at this time. */
      kind: "change";
      time: number;
    };

export interface ClickEvidence {
  reports: readonly VisibilityReport[];
  /** `event.timeStamp` of the trusted click. */
  clickTime: number;
  /** `event.timeStamp` of the trusted pointerdown that led to it, when there was one. */
  pointerDownTime?: number;
  /** `performance.now()` when the frame handled the click (later than `clickTime` on a busy machine). */
  handledTime?: number;
  /** `performance.now()` when deciding. */
  now: number;
}

export interface GateOptions {
  /** How long the button must have been visible before the gesture started. */
  minVisibleMs: number;
  /** How long after the click the reported visible run must extend (≥ 2 × the observer's delay). */
  settleMs: number;
  /** After this long (from the click, or from handling it if later) without such a report, refuse. */
  maxWaitMs: number;
  /** A pointerdown older than this before the click is not treated as the gesture's start. */
  maxPressMs: number;
}

/** The observer's `delay` (the minimum the browser accepts with `trackVisibility`). */
export const OBSERVER_DELAY_MS = 100;

export const defaultGateOptions: GateOptions = {
  minVisibleMs: 500,
  settleMs: 2 * OBSERVER_DELAY_MS,
  maxWaitMs: 6 * OBSERVER_DELAY_MS,
  maxPressMs: 10_000,
};

export type RefusalReason =
  /** A report in the window said "not visible" (transparent, covered, transformed, off screen). */
  | "not-visible"
  /** The geometry or the frame's viewport changed in the window (the button moved, resized, …). */
  | "changed"
  /** The visible run began less than `minVisibleMs` before the gesture (or there is no report yet). */
  | "too-recent"
  /** No report computed `settleMs` after the click arrived in time. */
  | "unconfirmed";

/** `probeFrom`: from then on a fresh report confirms the click (the caller asks for one then). */
export type GateDecision =
  | { kind: "authorised" }
  | { kind: "wait"; until: number; probeFrom: number }
  | { kind: "refused"; reason: RefusalReason };

/** The user-facing sentence for every refusal (defined with the other click sentences). */
export { NOT_CONFIRMED_MESSAGE } from "../lib/clickFeedback.js";

interface Run {
  /** When the current visible run started (undefined: no run, the last report broke it). */
  start: number | undefined;
  geometry: string | undefined;
  /** What broke the last run, when one was broken. */
  brokenBy: RefusalReason | undefined;
  /** When that happened. */
  brokenAt: number;
}

function visibleRun(reports: readonly VisibilityReport[], until: number): Run {
  const sorted = reports.filter((r) => Number.isFinite(r.time) && r.time <= until).sort((a, b) => a.time - b.time);
  const run: Run = { start: undefined, geometry: undefined, brokenBy: undefined, brokenAt: -Infinity };
  for (const report of sorted) {
    if (report.kind === "change") {
      run.start = undefined;
      run.geometry = undefined;
      run.brokenBy = "changed";
      run.brokenAt = report.time;
    } else if (!report.visible) {
      run.start = undefined;
      run.geometry = undefined;
      run.brokenBy = "not-visible";
      run.brokenAt = report.time;
    } else if (run.start === undefined) {
      run.start = report.time;
      run.geometry = report.geometry;
    } else if (report.geometry !== run.geometry) {
      // Still visible, but somewhere else or another size: a new run starts here.
      run.start = report.time;
      run.geometry = report.geometry;
      run.brokenBy = "changed";
      run.brokenAt = report.time;
    }
  }
  return run;
}

/**
 * Since when the button has been visible without a break or a change, as of `now` (undefined: it is
 * not visible now, or nothing was reported yet).
 */
export function visibleSince(reports: readonly VisibilityReport[], now: number): number | undefined {
  return visibleRun(reports, now).start;
}

export function decideClick(evidence: ClickEvidence, options: GateOptions = defaultGateOptions): GateDecision {
  const { reports, clickTime, pointerDownTime, handledTime, now } = evidence;
  const pressed =
    pointerDownTime !== undefined && pointerDownTime <= clickTime && clickTime - pointerDownTime <= options.maxPressMs;
  const gestureStart = pressed ? pointerDownTime : clickTime;
  const windowStart = gestureStart - options.minVisibleMs;

  const run = visibleRun(reports, now);
  if (run.start === undefined || run.start > windowStart) {
    // Later reports cannot make the run start earlier: refuse now.
    const reason: RefusalReason =
      run.brokenBy !== undefined && run.brokenAt > windowStart ? run.brokenBy : "too-recent";
    return { kind: "refused", reason };
  }
  // The run is unbroken up to now; it must be reported to last until the settle period's end.
  const confirmFrom = clickTime + options.settleMs;
  if (reports.some((r) => r.kind === "visibility" && r.time >= confirmFrom && r.time <= now))
    return { kind: "authorised" };
  const deadline = Math.max(clickTime, handledTime ?? clickTime) + options.maxWaitMs;
  if (now >= deadline) return { kind: "refused", reason: "unconfirmed" };
  return { kind: "wait", until: now < confirmFrom ? confirmFrom : deadline, probeFrom: confirmFrom };
}
