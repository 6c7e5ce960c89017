/**
 * Collects the button's visibility evidence for `decideClick`: every IntersectionObserver v2 entry
 * (with `trackVisibility`, which Chromium implements) and every change of the frame's own layout
 * (resize, document hidden). An observer only reports changes, so `probe()` asks a fresh observer for
 * a report computed now (after a click, or after a layout change so a new visible run can start).
 */
import {
  decideClick,
  defaultGateOptions,
  OBSERVER_DELAY_MS,
  visibleSince,
  type GateDecision,
  type GateOptions,
  type VisibilityReport,
} from "./visibilityGate.js";

type V2Entry = IntersectionObserverEntry & { isVisible?: boolean };
type V2Init = IntersectionObserverInit & { trackVisibility: boolean; delay: number };

/** Entries older than the newest few are dropped; losing the start of a long run only refuses (safe side). */
const MAX_REPORTS = 200;

function round(rect: DOMRectReadOnly): string {
  return [rect.x, rect.y, rect.width, rect.height].map((n) => Math.round(n)).join(",");
}

function toReport(entry: V2Entry): VisibilityReport {
  const viewport = `${window.innerWidth}x${window.innerHeight}`;
  return {
    kind: "visibility",
    time: entry.time,
    visible: entry.isVisible === true && entry.isIntersecting,
    geometry: `${round(entry.boundingClientRect)}|${round(entry.intersectionRect)}|${viewport}`,
  };
}

/** What `decide` settles on: never "wait". */
export type FinalDecision = Exclude<GateDecision, { kind: "wait" }>;

export interface VisibilityWatch {
  /** False where the browser has no IntersectionObserver v2: there is no evidence to decide on. */
  readonly supported: boolean;
  /**
   * Resolves once the button has been visible, unchanged, for `minVisibleMs` (at once without
   * IntersectionObserver v2): the button is enabled only then, so a first click is never too early.
   */
  steadilyVisible(): Promise<void>;
  /**
   * Decides a click, probing for a report computed `settleMs` after it and waiting while the evidence is
   * incomplete. `handledTime`: when the frame got to handle the click.
   */
  decide(clickTime: number, pointerDownTime: number | undefined, handledTime: number): Promise<FinalDecision>;
}

function supportsV2(): boolean {
  return typeof IntersectionObserverEntry !== "undefined" && "isVisible" in IntersectionObserverEntry.prototype;
}

export function watchVisibility(target: Element, options: GateOptions = defaultGateOptions): VisibilityWatch {
  const reports: VisibilityReport[] = [];
  const listeners = new Set<() => void>();
  const record = (report: VisibilityReport) => {
    reports.push(report);
    if (reports.length > MAX_REPORTS) reports.splice(0, reports.length - MAX_REPORTS);
    for (const listener of listeners) listener();
  };
  const init: V2Init = { threshold: [1], trackVisibility: true, delay: OBSERVER_DELAY_MS };
  const observe = (once: boolean) => {
    const observer = new IntersectionObserver((entries) => {
      for (const entry of entries) record(toReport(entry));
      if (once) observer.disconnect();
    }, init);
    observer.observe(target);
  };

  let supported = supportsV2();
  if (supported) {
    try {
      observe(false);
    } catch {
      supported = false;
    }
  }
  if (supported) {
    const changed = (time: number) => {
      record({ kind: "change", time });
      observe(true);
    };
    window.addEventListener("resize", (event) => changed(event.timeStamp));
    document.addEventListener("visibilitychange", (event) => changed(event.timeStamp));
  }

  return {
    supported,
    steadilyVisible() {
      if (!supported) return Promise.resolve();
      return new Promise((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const check = () => {
          clearTimeout(timer);
          const now = performance.now();
          const since = visibleSince(reports, now);
          if (since !== undefined && now - since >= options.minVisibleMs) {
            listeners.delete(check);
            resolve();
          } else if (since !== undefined) timer = setTimeout(check, since + options.minVisibleMs - now + 1);
        };
        listeners.add(check);
        check();
      });
    },
    decide(clickTime, pointerDownTime, handledTime) {
      if (!supported) return Promise.resolve({ kind: "refused", reason: "unconfirmed" });
      // A report now (a hide already known refuses at once), and one once the settle period is over.
      observe(true);
      let probedForConfirmation = false;
      return new Promise((resolve) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const check = () => {
          const now = performance.now();
          const decision = decideClick({ reports, clickTime, pointerDownTime, handledTime, now }, options);
          if (decision.kind === "wait") {
            if (!probedForConfirmation && now >= decision.probeFrom) {
              probedForConfirmation = true;
              observe(true);
            }
            clearTimeout(timer);
            timer = setTimeout(check, Math.max(0, decision.until - performance.now()) + 1);
            return;
          }
          clearTimeout(timer);
          listeners.delete(check);
          resolve(decision);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
