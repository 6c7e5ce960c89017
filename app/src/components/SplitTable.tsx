/**
 * A reader's budget of one month split among creators, as a table: each creator with the items this
 * browser counted, the clicks, a bar of its share and the amount; then what went to creators, the
 * keeper's tip, and the budget they add up to. `exact` shows every digit (what was paid); otherwise
 * amounts are rounded by largest remainder, so the rounded rows still add up to the rounded budget.
 */
import type { Address } from "viem";

import { useServices } from "../hooks/services.js";
import { useItemTitles } from "../hooks/useItemTitles.js";
import { formatRounded, formatToken, roundParts, ROUNDED_DIGITS } from "../lib/format.js";
import { CreatorName } from "./CreatorName.js";
import { ItemLink } from "./ItemLink.js";

export interface SplitRow {
  creator: Address;
  /** Undefined when not known (shown as a dash). */
  clicks: number | undefined;
  amount: bigint;
  /** Items this browser counted for the creator (another device's are not known here). */
  items?: readonly string[];
}

export function SplitTable({
  rows,
  tip,
  budget,
  exact,
  caption,
  testId,
  epoch,
}: {
  /** The month split: items show by the titles the keeper has for it. */
  epoch: bigint;
  rows: readonly SplitRow[];
  tip: bigint;
  budget: bigint;
  exact: boolean;
  caption: string;
  testId?: string;
}) {
  const { deployment } = useServices();
  const { tokenDecimals: decimals, tokenSymbol: symbol } = deployment;
  // Rounded jointly with the tip, so creators + tip = budget holds for what is shown too.
  const shown = exact
    ? [...rows.map((r) => r.amount), tip]
    : roundParts([...rows.map((r) => r.amount), tip], decimals, ROUNDED_DIGITS);
  const fmt = (v: bigint) => (exact ? formatToken(v, decimals, symbol) : formatRounded(v, decimals, symbol));
  const shownRows = rows.map((row, i) => ({ ...row, shown: shown[i] as bigint }));
  const shownTip = shown[rows.length] as bigint;
  // Shown rows add up to this, and with the tip to the budget: the pool pays budget - tip in full.
  const toCreators = shownRows.reduce((sum, r) => sum + r.shown, 0n);
  const largest = rows.reduce((max, r) => (r.amount > max ? r.amount : max), 0n);
  return (
    <table className="split" data-testid={testId}>
      <caption>
        {caption}
        {exact ? "" : ` (rounded to ${ROUNDED_DIGITS} decimals; the rounded amounts still add up)`}
      </caption>
      <thead>
        <tr>
          <th scope="col">Creator</th>
          <th scope="col">Items you applauded (this browser)</th>
          <th scope="col">Clicks</th>
          <th scope="col">
            <span className="visually-hidden">Share</span>
          </th>
          <th scope="col" className="amount">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {shownRows.map((row) => (
          <tr key={row.creator} data-testid="split-row">
            <th scope="row">
              <CreatorName address={row.creator} />
            </th>
            <td>
              {row.items === undefined || row.items.length === 0 ? (
                <span className="note">—</span>
              ) : (
                <CreatorItems creator={row.creator} epoch={epoch} urls={row.items} />
              )}
            </td>
            <td>{row.clicks ?? <span className="note">—</span>}</td>
            <td aria-hidden="true" className="bar-cell">
              <span
                className="bar"
                style={{ width: `${largest === 0n ? 0 : Number((row.amount * 100n) / largest)}%` }}
              />
            </td>
            <td className="amount" data-testid="split-amount">
              {fmt(row.shown)}
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={4}>
            To creators
          </th>
          <td className="amount" data-testid="split-to-creators">
            {fmt(toCreators)}
          </td>
        </tr>
        <tr>
          <th scope="row" colSpan={4}>
            Keeper's tip (for settling)
          </th>
          <td className="amount" data-testid="split-tip">
            {fmt(shownTip)}
          </td>
        </tr>
        <tr>
          <th scope="row" colSpan={4}>
            Your budget
          </th>
          <td className="amount" data-testid="split-budget">
            {fmt(budget)}
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** A creator's items in the split, by the titles the keeper knows (else by URL), as text. */
function CreatorItems({ creator, epoch, urls }: { creator: Address; epoch: bigint; urls: readonly string[] }) {
  const titles = useItemTitles(creator, epoch, urls);
  return (
    <ul className="items">
      {urls.map((url) => (
        <li key={url}>
          <ItemLink url={url} title={titles.get(url)} />
        </li>
      ))}
    </ul>
  );
}
