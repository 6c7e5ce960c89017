/**
 * Durable key-value storage of the first-party origin (localStorage in browsers, memory in tests).
 * Every record is parsed with a zod schema when read: a corrupt record is reported, never trusted.
 */
import type { z } from "zod";

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  /** Keys that start with `prefix`. */
  keys(prefix: string): string[];
}

export function webStore(storage: Storage): KeyValueStore {
  return {
    get: (key) => storage.getItem(key),
    set: (key, value) => storage.setItem(key, value),
    remove: (key) => storage.removeItem(key),
    keys: (prefix) => {
      const found: string[] = [];
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key !== null && key.startsWith(prefix)) found.push(key);
      }
      return found;
    },
  };
}

export function memoryStore(): KeyValueStore {
  const map = new Map<string, string>();
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
    keys: (prefix) => [...map.keys()].filter((key) => key.startsWith(prefix)),
  };
}

export function readJson<S extends z.ZodType>(store: KeyValueStore, key: string, schema: S): z.output<S> | undefined {
  const text = store.get(key);
  if (text === null) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`stored record ${key} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new Error(`stored record ${key} is corrupt: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  return parsed.data;
}

export function writeJson(store: KeyValueStore, key: string, value: unknown): void {
  store.set(key, JSON.stringify(value));
}
