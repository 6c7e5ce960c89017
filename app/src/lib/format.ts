/**
 * Amounts, addresses and times in words. Money is shown exactly (every digit the token has) wherever
 * it is a fact: balances, budgets, payouts, claims. A rounded view is only for parts of a whole (a
 * projected split), and its parts are rounded by largest remainder so they still add up to the whole.
 */
import { formatUnits } from "viem";

/** How many fractional digits a rounded view keeps (cents of a dollar stablecoin). */
export const ROUNDED_DIGITS = 2;

/** `value` with every digit the token has, trailing zeros dropped: "4.975 mUSD", never "4.97 mUSD". */
export function formatToken(value: bigint, decimals: number, symbol: string): string {
  return `${formatUnits(value, decimals)} ${symbol}`;
}

/** The token units of one step of a view rounded to `digits` (1 when the token has no more digits). */
function unitOf(decimals: number, digits: number): bigint {
  if (!Number.isInteger(digits) || digits < 0) throw new RangeError(`digits must be a whole number, not ${digits}`);
  return digits >= decimals ? 1n : 10n ** BigInt(decimals - digits);
}

/** `value` (non-negative) rounded half up to `digits` fractional digits, in token units. */
export function roundToDigits(value: bigint, decimals: number, digits: number): bigint {
  if (value < 0n) throw new RangeError(`cannot round a negative amount (${value})`);
  const unit = unitOf(decimals, digits);
  return ((value + unit / 2n) / unit) * unit;
}

/**
 * Parts of a whole rounded to `digits` so that they add up to the whole rounded the same way: each
 * part is rounded down, then the steps left over go one each to the parts with the largest remainders
 * (ties to the earlier part). Amounts are non-negative token units; the result is in token units too.
 */
export function roundParts(parts: readonly bigint[], decimals: number, digits: number): bigint[] {
  const unit = unitOf(decimals, digits);
  for (const part of parts) if (part < 0n) throw new RangeError(`cannot round a negative amount (${part})`);
  const whole = roundToDigits(
    parts.reduce((sum, part) => sum + part, 0n),
    decimals,
    digits,
  );
  const rounded = parts.map((part) => (part / unit) * unit);
  let left = (whole - rounded.reduce((sum, part) => sum + part, 0n)) / unit;
  const byRemainder = parts
    .map((part, index) => ({ index, remainder: part % unit }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of byRemainder) {
    if (left <= 0n) break;
    rounded[index] = (rounded[index] as bigint) + unit;
    left--;
  }
  return rounded;
}

/** A rounded amount with exactly `digits` fractional digits (or the token's own, if fewer): "3.30 mUSD". */
export function formatRounded(value: bigint, decimals: number, symbol: string, digits = ROUNDED_DIGITS): string {
  const shown = Math.min(digits, decimals);
  const text = formatUnits(roundToDigits(value, decimals, digits), decimals);
  const [whole, fraction = ""] = text.split(".");
  return shown === 0 ? `${whole} ${symbol}` : `${whole}.${fraction.padEnd(shown, "0").slice(0, shown)} ${symbol}`;
}

export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** "3d 04h 05m 06s" for a number of seconds (never negative). */
export function formatDuration(seconds: bigint): string {
  let s = seconds < 0n ? 0n : seconds;
  const days = s / 86400n;
  s %= 86400n;
  const pad = (n: bigint) => n.toString().padStart(2, "0");
  const parts = [`${pad(s / 3600n)}h`, `${pad((s % 3600n) / 60n)}m`, `${pad(s % 60n)}s`];
  return days > 0n ? `${days}d ${parts.join(" ")}` : parts.join(" ");
}

export function formatTime(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toLocaleString();
}
