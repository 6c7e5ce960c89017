/**
 * An amount typed in token units ("10", "2.5"), checked as the reader types: a positive decimal number
 * with no more digits after the point than the token has (never rounded away), as token base units.
 */
import { parseUnits } from "viem";

export interface Token {
  decimals: number;
  symbol: string;
}

export type TokenAmount = { ok: true; value: bigint } | { ok: false; problem: string };

/** `text` as base units of `token`, or the problem with it; `ask` is what to say while it is not an amount. */
export function parseTokenAmount(text: string, token: Token, ask: string): TokenAmount {
  const amount = text.trim();
  if (!/^(\d+\.?\d*|\.\d+)$/.test(amount)) return { ok: false, problem: ask };
  if ((amount.split(".")[1] ?? "").length > token.decimals)
    return {
      ok: false,
      problem: `${token.symbol} has ${token.decimals} decimals: use at most ${token.decimals} digits after the point.`,
    };
  const value = parseUnits(amount, token.decimals);
  return value === 0n ? { ok: false, problem: ask } : { ok: true, value };
}
