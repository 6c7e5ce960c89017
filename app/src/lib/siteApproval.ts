/**
 * Which sites the reader allowed, in the click window, to count its clicks without that window this
 * month, and where it said "not now". Kept in the dApp's first-party storage, where only the click
 * window writes them: a button frame that shares that storage (a browser that does not partition it,
 * or a Storage Access handle) signs there only for a site allowed for the current month. A site is a
 * host name as the frame reports it (`location.ancestorOrigins`, else the referrer), which the
 * embedding page cannot forge. No zod: the light button reads these too.
 */
import { keys, type Scope } from "./recordKeys.js";
import type { KeyValueStore } from "./storage.js";

/** Host names only: what a frame may name as its site. */
const SITE = /^[a-z0-9.-]{1,253}$|^\[[0-9a-f:.]{2,45}\]$/i;

export function isSiteName(site: string): boolean {
  return SITE.test(site);
}

export function approveSite(store: KeyValueStore, scope: Scope, site: string, epoch: bigint): void {
  if (!isSiteName(site)) throw new RangeError("not a site name");
  store.set(keys.siteApproval(scope, site), epoch.toString());
  store.remove(keys.siteDeclined(scope, site));
}

export function siteApproved(store: KeyValueStore, scope: Scope, site: string | undefined, epoch: bigint): boolean {
  return site !== undefined && isSiteName(site) && store.get(keys.siteApproval(scope, site)) === epoch.toString();
}

export function declineSite(store: KeyValueStore, scope: Scope, site: string, epoch: bigint): void {
  if (!isSiteName(site)) return;
  store.set(keys.siteDeclined(scope, site), epoch.toString());
}

export function siteDeclined(store: KeyValueStore, scope: Scope, site: string | undefined, epoch: bigint): boolean {
  return site !== undefined && isSiteName(site) && store.get(keys.siteDeclined(scope, site)) === epoch.toString();
}
