/**
 * The click window closes itself once the reader has answered it. Playwright's click can then fail with
 * "Target page, context or browser has been closed" when the window goes before the click action returns
 * (seen on CI): for a button that closes its window, that is the expected outcome, not an error.
 */
import type { Locator, Page } from "playwright-core";

const CLOSED_DURING_ACTION = /Target page, context or browser has been closed/;

/** Clicks `button` of `window`, a button whose click closes `window`; callers wait for the close themselves. */
export async function clickClosingButton(window: Page, button: Locator): Promise<void> {
  try {
    await button.click({ noWaitAfter: true });
  } catch (error) {
    const closedByTheClick = window.isClosed() || (error instanceof Error && CLOSED_DURING_ACTION.test(error.message));
    if (!closedByTheClick) throw error;
  }
}
