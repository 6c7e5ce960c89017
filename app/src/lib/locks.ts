/**
 * Exclusive locks across the tabs of one origin (Web Locks API), so two tabs never read-modify-write
 * the same tally or outbox at once. Without `navigator.locks` (old browsers, tests) an in-process
 * mutex stands in, which still serializes work inside one page.
 */
export interface Locks {
  /** Runs `fn` holding lock `name`; waits for it. */
  run<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` holding lock `name` if free now; otherwise returns undefined without waiting. */
  tryRun<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
}

export function mutexLocks(): Locks {
  const tails = new Map<string, Promise<void>>();
  const held = new Set<string>();
  async function run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    tails.set(name, tail);
    await previous;
    held.add(name);
    try {
      return await fn();
    } finally {
      held.delete(name);
      release();
      if (tails.get(name) === tail) tails.delete(name);
    }
  }
  return {
    run,
    async tryRun(name, fn) {
      if (held.has(name) || tails.has(name)) return undefined;
      return run(name, fn);
    },
  };
}

export function webLocks(manager: LockManager | undefined): Locks {
  if (manager === undefined) return mutexLocks();
  return {
    run: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
      let result: T | undefined;
      await manager.request(name, { mode: "exclusive" }, async () => {
        result = await fn();
      });
      return result as T;
    },
    tryRun: async <T>(name: string, fn: () => Promise<T>): Promise<T | undefined> => {
      let result: T | undefined;
      await manager.request(name, { mode: "exclusive", ifAvailable: true }, async (lock) => {
        if (lock !== null) result = await fn();
      });
      return result;
    },
  };
}
