import { formatDuration } from "../lib/format.js";

export function Countdown({ now, until, label }: { now: bigint; until: bigint; label: string }) {
  return (
    <span data-testid="countdown">
      {label} {until > now ? `in ${formatDuration(until - now)}` : "now"}
    </span>
  );
}
