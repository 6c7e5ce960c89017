/**
 * The EIP-712 messages of Plaudit, exactly as contracts/libraries/ClickTypes.sol hashes them.
 * Readers (or their session keys) sign a `Tally` per click; readers sign a `Session` once to delegate a key.
 */
import type { Address } from "viem";

export const EIP712_DOMAIN_NAME = "Plaudit";
export const EIP712_DOMAIN_VERSION = "1";

export const tallyTypes = {
  Tally: [
    { name: "reader", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "seq", type: "uint64" },
    { name: "creators", type: "address[]" },
    { name: "counts", type: "uint32[]" },
  ],
} as const;

export const sessionTypes = {
  Session: [
    { name: "reader", type: "address" },
    { name: "key", type: "address" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint32" },
  ],
} as const;

export interface PlauditDomain {
  name: typeof EIP712_DOMAIN_NAME;
  version: typeof EIP712_DOMAIN_VERSION;
  chainId: number;
  verifyingContract: Address;
}

/** The domain binds every signature to one pool on one chain. */
export function plauditDomain(chainId: number, pool: Address): PlauditDomain {
  return { name: EIP712_DOMAIN_NAME, version: EIP712_DOMAIN_VERSION, chainId, verifyingContract: pool };
}

/** The `Tally` message: `counts[i]` clicks for `creators[i]` so far in `epoch`, the `seq`-th of its key. */
export interface TallyMessage {
  reader: Address;
  epoch: bigint;
  seq: bigint;
  creators: readonly Address[];
  counts: readonly number[];
}

/**
 * The `Session` message: `reader` lets `key` sign its tallies of every epoch ending by `expiry`, while
 * the reader's session nonce (`sessionNonceOf`; `revokeSessions` moves it on) is `nonce`.
 */
export interface SessionMessage {
  reader: Address;
  key: Address;
  expiry: bigint;
  nonce: number;
}

/** Typed-data arguments for viem's signTypedData / hashTypedData / verifyTypedData. */
export function tallyTypedData(domain: PlauditDomain, message: TallyMessage) {
  return { domain, types: tallyTypes, primaryType: "Tally", message } as const;
}

export function sessionTypedData(domain: PlauditDomain, message: SessionMessage) {
  return { domain, types: sessionTypes, primaryType: "Session", message } as const;
}
