/** The pool's chain as viem and wagmi want it, built from the deployment file. */
import { defineChain, type Chain } from "viem";

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

export function chainOf(deployment: AppDeployment): Chain {
  return defineChain({
    id: deployment.chainId,
    name: KNOWN_NAMES[deployment.chainId] ?? `Chain ${deployment.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [deployment.rpcUrl] } },
  });
}
