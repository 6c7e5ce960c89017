/**
 * Who the simulated readers are and what they will do, decided up front from the seed: budgets, devices
 * (the reader's own key and/or session keys), idle readers who click nothing, readers who cancel their
 * future epochs, and every click (device and creator, creators drawn with Zipf-like popularity).
 */
import { keccak256, stringToHex, type Address, type Hex } from "viem";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { pick, randomInt, seededRandom, shuffled, zipfSampler } from "./random.js";

/** 6-decimal units of the mock stablecoin. */
export const USD = 1_000_000n;
const BUDGETS = [2n * USD, 5n * USD, 10n * USD, 25n * USD] as const;

export type ReaderRole = "clicker" | "idle" | "canceller";

export interface DevicePlan {
  /** The reader's own key (tallies signed by the reader) or a delegated session key. */
  kind: "own" | "session";
  account: PrivateKeyAccount;
}

export interface ClickPlan {
  device: number;
  creator: Address;
}

export interface ReaderPlan {
  index: number;
  account: PrivateKeyAccount;
  role: ReaderRole;
  budgetPerEpoch: bigint;
  devices: DevicePlan[];
  /** For a canceller: the epoch during which it cancels every later epoch (-1: before epoch 0 starts). */
  cancelDuring: number | undefined;
  /** Clicks per epoch (empty where the reader does not click). */
  clicks: ClickPlan[][];
}

export interface Population {
  readers: ReaderPlan[];
  creators: Address[];
}

/** A deterministic private key for a label (the seed makes the run reproducible). */
export function keyFor(seed: number, label: string): Hex {
  return keccak256(stringToHex(`plaudit-simulation:${seed}:${label}`));
}

export function planPopulation(options: {
  readers: number;
  creators: number;
  epochs: number;
  clicks: number;
  seed: number;
}): Population {
  const random = seededRandom(options.seed);
  const creators = Array.from(
    { length: options.creators },
    (_, i) => privateKeyToAccount(keyFor(options.seed, `creator:${i}`)).address,
  );
  // Creators ordered by popularity: index 0 is the most clicked.
  const popularity = zipfSampler(random, creators.length);

  // Roles in fixed proportions (at least one of each once there are 4 readers), shuffled over readers.
  const n = options.readers;
  const idle = n >= 4 ? Math.max(1, Math.round(n * 0.15)) : 0;
  const cancellers = n >= 4 ? Math.max(1, Math.round(n * 0.15)) : 0;
  const roles = shuffled(random, [
    ...Array<ReaderRole>(idle).fill("idle"),
    ...Array<ReaderRole>(cancellers).fill("canceller"),
    ...Array<ReaderRole>(n - idle - cancellers).fill("clicker"),
  ]);
  // Device sets: most readers one session key, some several devices, some sign with their own key.
  const multiDevice = new Set(
    shuffled(
      random,
      roles.map((_, i) => i),
    ).slice(0, Math.max(1, Math.round(n * 0.3))),
  );

  const readers = roles.map((role, index): ReaderPlan => {
    const account = privateKeyToAccount(keyFor(options.seed, `reader:${index}`));
    const session = (d: number): DevicePlan => ({
      kind: "session",
      account: privateKeyToAccount(keyFor(options.seed, `reader:${index}:device:${d}`)),
    });
    let devices: DevicePlan[];
    if (multiDevice.has(index)) {
      const sessions = randomInt(random, 2, 3);
      devices = Array.from({ length: sessions }, (_, d) => session(d));
      if (random() < 0.3) devices.push({ kind: "own", account });
    } else {
      devices = random() < 0.15 ? [{ kind: "own", account }] : [session(0)];
    }
    const cancelDuring = role === "canceller" ? randomInt(random, -1, options.epochs - 2) : undefined;
    const clicks = Array.from({ length: options.epochs }, (_, epoch): ClickPlan[] => {
      if (role === "idle") return [];
      if (cancelDuring !== undefined && epoch > cancelDuring) return [];
      const total = randomInt(random, 1, 2 * options.clicks - 1);
      return Array.from({ length: total }, () => ({
        device: randomInt(random, 0, devices.length - 1),
        creator: creators[popularity()] as Address,
      }));
    });
    return { index, account, role, budgetPerEpoch: pick(random, BUDGETS), devices, cancelDuring, clicks };
  });
  return { readers, creators };
}
