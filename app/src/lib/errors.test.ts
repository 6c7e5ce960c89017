import {
  encodeErrorResult,
  decodeErrorResult,
  ContractFunctionRevertedError,
  UserRejectedRequestError,
  BaseError,
} from "viem";
import { KeeperError } from "@plaudit/protocol";
import { describe, expect, it } from "vitest";

import { poolAbiWithTokenErrors } from "../contracts/pool.js";
import { keeperErrorSentence } from "./clickFeedback.js";
import { describeError, describeTallyError } from "./errors.js";

const ctx = { tokenSymbol: "mUSD", tokenDecimals: 6 };

function revert(errorName: string, args: readonly unknown[]): ContractFunctionRevertedError {
  const data = encodeErrorResult({ abi: poolAbiWithTokenErrors, errorName, args } as Parameters<
    typeof encodeErrorResult
  >[0]);
  expect(decodeErrorResult({ abi: poolAbiWithTokenErrors, data }).errorName).toBe(errorName);
  return new ContractFunctionRevertedError({ abi: poolAbiWithTokenErrors, data, functionName: "subscribe" });
}

describe("describeError", () => {
  it("decodes the pool's custom errors from its ABI into words", () => {
    expect(describeError(revert("EpochAlreadyStarted", [3n, 5n]), ctx)).toBe(
      "Month 3 has already started (the current one is 5); its budget is committed.",
    );
    expect(describeError(revert("NothingToWithdraw", ["0x00000000000000000000000000000000000000a1"]), ctx)).toMatch(
      /nothing to withdraw/i,
    );
  });

  it("explains a token balance that is too low, with amounts in the token's units", () => {
    const error = revert("ERC20InsufficientBalance", [
      "0x00000000000000000000000000000000000000a1",
      1_500_000n,
      30_000_000n,
    ]);
    expect(describeError(error, ctx)).toBe("Your token balance is too low: you have 1.5 mUSD and need 30 mUSD.");
  });

  it("recognizes a rejected signature and an unreachable keeper", () => {
    const rejected = new BaseError("wrapped", { cause: new UserRejectedRequestError(new Error("User denied")) });
    expect(describeError(rejected, ctx)).toBe("You rejected the request in your wallet.");
    expect(describeError(new KeeperError("unreachable", "The keeper at http://k cannot be reached."), ctx)).toMatch(
      /cannot be reached.*kept in this browser/,
    );
  });

  it("never shows a keeper's own text, for a click or for any other request", () => {
    const raw = "reader 0xabc has no budget for epoch 0";
    const noBudget = new KeeperError("rejected", raw, "no_budget", 422);
    expect(describeTallyError(noBudget)).toBe(keeperErrorSentence("no_budget"));
    expect(describeError(noBudget, ctx)).not.toContain(raw);
    expect(describeError(new KeeperError("server", "pg: connection refused", "storage_unavailable", 503), ctx)).toBe(
      "Plaudit's keeper has a problem right now; try again later.",
    );
    expect(describeError(new KeeperError("rejected", "no route GET /v1/x", "not_found", 404), ctx)).not.toMatch(
      /route|not_found/,
    );
  });
});
