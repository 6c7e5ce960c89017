/**
 * Deploys a Plaudit pool for an existing stablecoin. Parameters (ignition/parameters/*.json):
 * token (address), startTime (unix seconds of epoch 0), epochLength (seconds, default 30 days),
 * keeperTipBps (basis points, default 50, at most 100).
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

export const DEFAULT_EPOCH_LENGTH = 30n * 24n * 60n * 60n;
export const DEFAULT_KEEPER_TIP_BPS = 50n;

export default buildModule("PlauditPool", (m) => {
  const token = m.getParameter<string>("token");
  const startTime = m.getParameter<bigint>("startTime");
  const epochLength = m.getParameter<bigint>("epochLength", DEFAULT_EPOCH_LENGTH);
  const keeperTipBps = m.getParameter<bigint>("keeperTipBps", DEFAULT_KEEPER_TIP_BPS);
  const pool = m.contract("PlauditPool", [token, startTime, epochLength, keeperTipBps]);
  return { pool };
});
