/**
 * A local system: a mock stablecoin of the chosen flavour (open mint) and a pool on it, with short epochs
 * by default so a demo sees a whole cycle in minutes. Parameters: startTime, epochLength, keeperTipBps.
 * The flavours behave like the tokens readers hold (contracts/mocks/tokens): `usdc` (EIP-3009, permit
 * without ERC-5267, the default: the token most readers hold), `usdt` (no permit, no return values,
 * zero-first allowance), `dai` (DAI's own permit, 18 decimals), `musd` (the plain EIP-2612 + ERC-5267 mock).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { DEFAULT_KEEPER_TIP_BPS } from "./PlauditPool.js";

export const DEMO_EPOCH_LENGTH = 5n * 60n;

/** Each local token flavour and the mock that behaves like it. */
export const LOCAL_TOKENS = {
  usdc: "MockUSDC",
  usdt: "MockUSDT",
  dai: "MockDAI",
  musd: "MockStablecoin",
} as const;
export type LocalTokenFlavour = keyof typeof LOCAL_TOKENS;
export const LOCAL_TOKEN_FLAVOURS = ["usdc", "usdt", "dai", "musd"] as const satisfies readonly LocalTokenFlavour[];
export const DEFAULT_LOCAL_TOKEN: LocalTokenFlavour = "usdc";

/**
 * LocalPlaudit on the `flavour` token. Every flavour keeps the module id `LocalPlaudit` (its parameters and
 * journal are named by it): deploy one flavour per chain.
 */
export function localPlauditModule(flavour: LocalTokenFlavour) {
  return buildModule("LocalPlaudit", (m) => {
    const token = m.contract(LOCAL_TOKENS[flavour]);
    const startTime = m.getParameter<bigint>("startTime");
    const epochLength = m.getParameter<bigint>("epochLength", DEMO_EPOCH_LENGTH);
    const keeperTipBps = m.getParameter<bigint>("keeperTipBps", DEFAULT_KEEPER_TIP_BPS);
    const pool = m.contract("PlauditPool", [token, startTime, epochLength, keeperTipBps]);
    return { token, pool };
  });
}

export default localPlauditModule(DEFAULT_LOCAL_TOKEN);
