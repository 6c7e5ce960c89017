/** `ReaderSkipped` reasons in words, keyed by the pool's own enum (generated), so they cannot drift. */
import { skipReasonNames } from "@plaudit/protocol";

const SKIP_REASON_WORDS: Record<(typeof skipReasonNames)[number], string> = {
  AlreadySettled: "the month was already settled",
  NoBudget: "there was no budget for that month",
  BadTallyList: "the list of tallies was not in order",
  BadClicks: "a tally's clicks were malformed",
  BadSession: "a one-click key was not delegated for that month (revoked or expired)",
  BadSignature: "a signature did not verify",
};

export function skipReasonWords(reason: number): string {
  const name = skipReasonNames[reason];
  return name === undefined ? `an unknown reason (${reason})` : SKIP_REASON_WORDS[name];
}
