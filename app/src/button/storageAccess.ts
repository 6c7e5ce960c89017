/**
 * The Storage Access API, for a button frame: whether the frame has first-party storage without asking
 * (Chrome with third-party cookies allowed, or a grant the reader gave before), and the handle to it.
 * Light (no dependencies): the button uses it before any signing code is loaded.
 */
import type { StorageSource } from "../lib/browserEnv.js";

type StorageAccessDocument = Document & {
  requestStorageAccess?: (types?: { localStorage?: boolean; locks?: boolean }) => Promise<unknown>;
  hasStorageAccess?: () => Promise<boolean>;
};

const doc = document as StorageAccessDocument;

/** The browser has the API at all (the browser may still refuse, or ask the reader). */
export function canRequestStorageAccess(): boolean {
  return typeof doc.requestStorageAccess === "function";
}

/** Whether a request would be granted without asking anyone (never prompts). */
export async function storageAccessWithoutAsking(): Promise<boolean> {
  if (!canRequestStorageAccess()) return false;
  try {
    if ((await doc.hasStorageAccess?.()) === true) return true;
    const permission = await navigator.permissions.query({ name: "storage-access" as PermissionName });
    return permission.state === "granted";
  } catch {
    return false;
  }
}

/**
 * The dApp's first-party storage through the Storage Access API: at once where it is granted without
 * asking; else the browser may ask the reader (only call it then within a click's user activation, right
 * after the reader allowed the site). Undefined when refused, or granted without the storage.
 */
export async function storageAccessSource(): Promise<StorageSource | undefined> {
  if (!canRequestStorageAccess()) return undefined;
  try {
    const handle = (await doc.requestStorageAccess?.({ localStorage: true, locks: true })) as
      Partial<StorageSource> | undefined;
    // Reading the handle's storage throws where the browser grants the request but not the storage.
    const localStorage = handle?.localStorage;
    if (localStorage === undefined) return undefined;
    localStorage.getItem("plaudit:probe");
    return { localStorage, ...(handle?.locks === undefined ? {} : { locks: handle.locks }) };
  } catch {
    return undefined;
  }
}
