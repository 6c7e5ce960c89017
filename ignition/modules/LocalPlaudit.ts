/**
 * A local system: the mock stablecoin (open mint, EIP-2612) and a pool on it, with short epochs by
 * default so a demo sees a whole cycle in minutes. Parameters: startTime, epochLength, keeperTipBps.
 */
import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import { DEFAULT_KEEPER_TIP_BPS } from "./PlauditPool.js";

export const DEMO_EPOCH_LENGTH = 5n * 60n;

export default buildModule("LocalPlaudit", (m) => {
  const token = m.contract("MockStablecoin");
  const startTime = m.getParameter<bigint>("startTime");
  const epochLength = m.getParameter<bigint>("epochLength", DEMO_EPOCH_LENGTH);
  const keeperTipBps = m.getParameter<bigint>("keeperTipBps", DEFAULT_KEEPER_TIP_BPS);
  const pool = m.contract("PlauditPool", [token, startTime, epochLength, keeperTipBps]);
  return { token, pool };
});
