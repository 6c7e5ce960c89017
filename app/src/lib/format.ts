import { formatUnits } from "viem";

export function formatToken(value: bigint, decimals: number, symbol: string, digits = 2): string {
  const text = formatUnits(value, decimals);
  const [whole, fraction = ""] = text.split(".");
  const shown = fraction.slice(0, digits).replace(/0+$/, "");
  return `${whole}${shown === "" ? "" : `.${shown}`} ${symbol}`;
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
