/**
 * Turns anything a wallet, the chain, the pool or the keeper throws into one sentence a person
 * understands. The pool's custom errors are decoded from its ABI by viem; this names them in words.
 */
import { KeeperError } from "@plaudit/protocol";
import {
  BaseError,
  ContractFunctionRevertedError,
  formatUnits,
  InsufficientFundsError,
  UserRejectedRequestError,
  ChainMismatchError,
} from "viem";

import { keeperErrorSentence } from "./clickFeedback.js";

export interface ErrorContext {
  tokenSymbol: string;
  tokenDecimals: number;
}

type Args = readonly unknown[];

function amount(value: unknown, ctx: ErrorContext): string {
  return typeof value === "bigint" ? `${formatUnits(value, ctx.tokenDecimals)} ${ctx.tokenSymbol}` : String(value);
}

function when(value: unknown): string {
  return typeof value === "bigint" ? new Date(Number(value) * 1000).toLocaleString() : String(value);
}

/** The pool's (and its token's) custom errors, in words. */
export function describeRevert(name: string, args: Args, ctx: ErrorContext): string {
  switch (name) {
    case "ZeroAmount":
      return "Enter an amount and a number of months above zero.";
    case "TooManyEpochs":
      return `You can subscribe for at most ${String(args[1])} months at once.`;
    case "EpochAlreadyStarted":
      return `Month ${String(args[0])} has already started (the current one is ${String(args[1])}); its budget is committed.`;
    case "EpochTooFarAhead":
      return `That reaches too far ahead: the last month you can fund now is ${String(args[1])}.`;
    case "BudgetOverflow":
      return `The budget of month ${String(args[0])} would be larger than the pool can hold.`;
    case "TransferAmountMismatch":
      return "The token delivered a different amount than sent; this pool does not accept it.";
    case "NotInSettlementWindow":
      return `Month ${String(args[0])} can only be settled between ${when(args[1])} and ${when(args[2])}.`;
    case "InsufficientGasForWalletCheck":
      return "The transaction ran low on gas while checking a smart-wallet signature; retry with a higher gas limit.";
    case "NothingToCancel":
      return `There is nothing to cancel from month ${String(args[1])} on.`;
    case "NothingToWithdraw":
      return "There is nothing to withdraw or claim right now.";
    case "ZeroAddress":
      return "A recipient address is needed.";
    case "InvalidConfiguration":
    case "KeeperTipTooHigh":
      return "The pool was deployed with unusable parameters.";
    case "ERC20InsufficientBalance":
      return `Your token balance is too low: you have ${amount(args[1], ctx)} and need ${amount(args[2], ctx)}.`;
    case "ERC20InsufficientAllowance":
      return `The pool may spend only ${amount(args[1], ctx)} of your tokens but needs ${amount(args[2], ctx)}; the permit was not accepted.`;
    case "ERC2612ExpiredSignature":
      return "The permit expired before the transaction was mined; try again.";
    case "ERC2612InvalidSigner":
      return "The permit was signed by another account.";
    default:
      return `The pool refused the transaction (${name}).`;
  }
}

/** A keeper failure in words, whatever was asked: never the keeper's own text. */
export function describeKeeperError(error: KeeperError): string {
  switch (error.kind) {
    case "unreachable":
      return "Plaudit's keeper cannot be reached. Your clicks are kept in this browser and sent when it is back.";
    case "invalid_response":
      return "Plaudit's keeper sent an answer this page cannot read; try again later.";
    case "server":
      return "Plaudit's keeper has a problem right now; try again later.";
    default:
      return error.status === 429
        ? "Plaudit's keeper is busy; try again in a moment."
        : "Plaudit's keeper could not answer this request, a fault on Plaudit's side.";
  }
}

/** Why a keeper did not take a click's tally, in the reader's words (the keeper's error code, mapped). */
export function describeTallyError(error: KeeperError): string {
  if (error.kind === "unreachable" || error.kind === "invalid_response") return describeKeeperError(error);
  return keeperErrorSentence(error.code);
}

export function describeError(error: unknown, ctx: ErrorContext): string {
  if (error instanceof KeeperError) return describeKeeperError(error);
  if (error instanceof BaseError) {
    const rejected = error.walk(
      (e) => e instanceof UserRejectedRequestError || (e as { code?: unknown }).code === 4001,
    );
    if (rejected) return "You rejected the request in your wallet.";
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName !== undefined)
        return describeRevert(reverted.data.errorName, reverted.data.args ?? [], ctx);
      if (reverted.reason !== undefined) return `The transaction would fail: ${reverted.reason}.`;
      return "The transaction would fail.";
    }
    if (error.walk((e) => e instanceof InsufficientFundsError)) {
      return "Your account has too little ETH to pay for gas.";
    }
    if (
      error.walk(
        (e) => e instanceof ChainMismatchError || (e as { name?: unknown }).name === "ConnectorChainMismatchError",
      )
    ) {
      return "Your wallet is on the wrong network: switch to the pool's network first.";
    }
    const fetchFailed = error.walk((e) => (e as { name?: unknown }).name === "HttpRequestError");
    if (fetchFailed) return "The network node cannot be reached; check your connection.";
    return error.shortMessage;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
