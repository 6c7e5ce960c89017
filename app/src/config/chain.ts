/** The pool's chain as viem and wagmi want it, built from the deployment file, and its RPC transport. */
import { defineChain, fallback, http, type Chain, type Transport } from "viem";

import type { AppDeployment } from "./deployment.js";

const KNOWN_NAMES: Record<number, string> = {
  1: "Ethereum",
  10: "OP Mainnet",
  137: "Polygon",
  8453: "Base",
  42161: "Arbitrum One",
  11155111: "Sepolia",
  84532: "Base Sepolia",
  31337: "Local Hardhat",
};

/** Retries of one request on one URL (viem backs off exponentially and honours a 429's Retry-After). */
const RETRIES_PER_URL = 4;
/** The first retry's delay; viem doubles it for each next one. */
const RETRY_DELAY_MS = 250;

/** Every RPC URL of the deployment, `rpcUrl` first, without repeats. */
export function rpcUrlsOf(deployment: AppDeployment): string[] {
  return [...new Set([deployment.rpcUrl, ...(deployment.rpcUrls ?? [])])];
}

export function chainOf(deployment: AppDeployment): Chain {
  return defineChain({
    id: deployment.chainId,
    name: KNOWN_NAMES[deployment.chainId] ?? `Chain ${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: rpcUrlsOf(deployment) } },
  });
}

/**
 * One transport for every chain read of the dApp: the deployment's URL, or several tried in order with
 * viem's `fallback` (a URL that fails or refuses is skipped for the next). No JSON-RPC batching: free
 * tiers cap batches (at 3) and count each call anyway; reads of live state go out as one multicall.
 */
export function transportOf(deployment: AppDeployment): Transport {
  const transports = rpcUrlsOf(deployment).map((url) =>
    http(url, { retryCount: RETRIES_PER_URL, retryDelay: RETRY_DELAY_MS }),
  );
  return transports.length === 1 ? (transports[0] as Transport) : fallback(transports);
}
