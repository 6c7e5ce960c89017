/** The pool and token contracts, from the deployment file and the protocol's generated ABIs. */
import type { Abi } from "viem";

import { mockStablecoinAbi, plauditPoolAbi } from "@plaudit/protocol";
import type { AppDeployment } from "../config/deployment.js";

/**
 * The pool's ABI plus the ERC-20 / EIP-2612 errors its token calls can bubble up, so a revert inside
 * `transferFrom` or `permit` decodes too. The token part comes from the generated ABI, not from here.
 */
export const poolAbiWithTokenErrors = [
  ...plauditPoolAbi,
  ...mockStablecoinAbi.filter((entry) => entry.type === "error"),
] as const satisfies Abi;

/** The token's ERC-20 + EIP-2612 + ERC-5267 surface (the mock implements exactly the standards). */
export const tokenAbi = mockStablecoinAbi;

export function contractsOf(deployment: AppDeployment) {
  return {
    pool: { address: deployment.pool, abi: plauditPoolAbi },
    token: { address: deployment.token, abi: tokenAbi },
  } as const;
}
