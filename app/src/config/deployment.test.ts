import { describe, expect, it } from "vitest";

import { ConfigError, loadDeployment, parseDeployment } from "./deployment.js";

const valid = {
  chainId: 31337,
  rpcUrl: "http://127.0.0.1:8545",
  pool: "0x5fbdb2315678afecb367f032d93f642f64180aa3",
  token: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
  tokenSymbol: "mUSD",
  tokenDecimals: 6,
  startTime: 1_700_000_000,
  epochLength: 3600,
  keeperTipBps: 50,
  deployBlock: 1,
  keeperUrl: "http://127.0.0.1:8787",
};

describe("deployment config", () => {
  it("accepts a deployment file and checksums its addresses", () => {
    const deployment = parseDeployment(JSON.stringify(valid));
    expect(deployment.pool).toBe("0x5FbDB2315678afecb367f032d93F642f64180aa3");
  });

  it("names the field that is wrong", () => {
    expect(() => parseDeployment(JSON.stringify({ ...valid, pool: "0x12" }))).toThrow(
      /plaudit.json: pool: not an address/,
    );
    const { rpcUrl: _omit, ...noRpc } = valid;
    expect(() => parseDeployment(JSON.stringify(noRpc))).toThrow(/rpcUrl/);
    expect(() => parseDeployment(JSON.stringify({ ...valid, extra: 1 }))).toThrow(ConfigError);
    expect(() => parseDeployment("<html>")).toThrow(/not valid JSON/);
  });

  it("reports a missing file with its HTTP status", async () => {
    const fetchImpl: typeof fetch = async () => new Response("nope", { status: 404 });
    await expect(loadDeployment(fetchImpl, "http://app.test/")).rejects.toThrow(/HTTP 404/);
  });
});
