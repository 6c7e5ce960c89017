/**
 * ENS in the dApp: a creator's primary name (reverse record) and the address of a name typed into
 * `#/c/<name>`, read on Ethereum mainnet through the deployment's `ensRpcUrl`. Without one there is no
 * lookup at all. The client itself (and ENS name normalisation, which is large) loads on demand from
 * ensClient.ts, so the first page load carries none of it.
 */
import { toCoinType, type Address } from "viem";

/** The mainnet chain id: its reverse records are the classic ones (coin type 60). */
const MAINNET_CHAIN_ID = 1;
/** ETH's SLIP-44 coin type: what `getEnsName` reads for an address on Ethereum itself. */
export const ETH_COIN_TYPE = 60n;
/** The longest name shown: longer answers are not names a person picked to be read. */
export const MAX_ENS_NAME_LENGTH = 255;

/**
 * The ENSIP-19 coin type of the pool's chain: 60 on mainnet, else the chain's EVM coin type
 * (`0x80000000 | chainId`), whose reverse records fall back to the creator's default EVM name.
 */
export function ensCoinType(chainId: number): bigint {
  return chainId === MAINNET_CHAIN_ID ? ETH_COIN_TYPE : toCoinType(chainId);
}

export interface EnsLookup {
  /** The address's primary name for the pool's chain, or null when it has none. */
  nameOf(address: Address): Promise<string | null>;
  /** The address a name resolves to (for the pool's chain, else its ETH address), or null when none. */
  addressOf(name: string): Promise<Address | null>;
}

/** Whether `text` looks like an ENS name (labels joined by dots, no spaces): worth a lookup. */
export function looksLikeEnsName(text: string): boolean {
  return text.length <= MAX_ENS_NAME_LENGTH && /^[^\s./#?]+(\.[^\s./#?]+)+$/u.test(text);
}

/**
 * The lookup of a deployment, loaded (a separate chunk) on first use and kept, when it names
 * `ensRpcUrl`; else undefined: no ENS lookup and no request.
 */
export function ensLookupFor(deployment: {
  ensRpcUrl?: string | undefined;
  chainId: number;
}): (() => Promise<EnsLookup>) | undefined {
  const { ensRpcUrl, chainId } = deployment;
  if (ensRpcUrl === undefined) return undefined;
  let loaded: Promise<EnsLookup> | undefined;
  return () => {
    loaded ??= import("./ensClient.js").then((m) => m.createEnsLookup(ensRpcUrl, chainId));
    loaded.catch(() => (loaded = undefined)); // A chunk that failed to load is tried again next time.
    return loaded;
  };
}
