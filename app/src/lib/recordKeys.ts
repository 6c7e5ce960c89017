/**
 * The names under which the dApp keeps its records (first-party `localStorage`, or a button frame's
 * partitioned one), and its Web Lock names. No schema here, so the light button script can read a
 * record's presence without loading zod (records.ts holds the schemas).
 */
import type { Address } from "viem";

const PREFIX = "plaudit:v1";

/** Records are scoped to one pool on one chain. */
export interface Scope {
  chainId: number;
  pool: Address;
}

const scopeKey = (scope: Scope) => `${PREFIX}:${scope.chainId}:${scope.pool.toLowerCase()}`;

export const keys = {
  session: (scope: Scope, reader: Address) => `${scopeKey(scope)}:session:${reader.toLowerCase()}`,
  activeReader: (scope: Scope) => `${scopeKey(scope)}:active-reader`,
  tallyPrefix: (scope: Scope, reader: Address, epoch: bigint) =>
    `${scopeKey(scope)}:tally:${reader.toLowerCase()}:${epoch}:`,
  tally: (scope: Scope, reader: Address, epoch: bigint, signer: Address) =>
    `${scopeKey(scope)}:tally:${reader.toLowerCase()}:${epoch}:${signer.toLowerCase()}`,
  outbox: (scope: Scope) => `${scopeKey(scope)}:outbox`,
  /** A button frame's grant to sign without a window (only ever in a partitioned frame's storage). */
  frameGrant: (scope: Scope) => `${scopeKey(scope)}:frame-grant`,
  /** The month for which the reader allowed a site's buttons to sign without a window (first party). */
  siteApproval: (scope: Scope, site: string) => `${scopeKey(scope)}:site-approval:${site.toLowerCase()}`,
  /** The month in which the reader said "not now" on a site (first party). */
  siteDeclined: (scope: Scope, site: string) => `${scopeKey(scope)}:site-declined:${site.toLowerCase()}`,
  /** A button frame's one-off mark, by which the click window tells whether it shares the frame's storage. */
  storageProbe: (scope: Scope, probe: string) => `${scopeKey(scope)}:probe:${probe}`,
};

export const lockNames = {
  tally: (scope: Scope, reader: Address, signer: Address) =>
    `${scopeKey(scope)}:lock:tally:${reader.toLowerCase()}:${signer.toLowerCase()}`,
  outbox: (scope: Scope) => `${scopeKey(scope)}:lock:outbox`,
  flush: (scope: Scope) => `${scopeKey(scope)}:lock:flush`,
};

/** One click per item per epoch: the key a tally record remembers ("creator url", creator lower-cased). */
export function itemKey(item: { creator: string; url: string }): string {
  return `${item.creator.toLowerCase()} ${item.url}`;
}
