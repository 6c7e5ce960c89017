/**
 * Performs relays: for one parsed request, refuses what would cost the keeper gas for nothing (a request of
 * an account that already has one pending, a gas price above the ceiling, a call the pool would revert:
 * simulated first), then signs with the relay's own key, records and sends, and answers where the
 * transaction stands. Sends are serialized, so each takes the next nonce of the relay's key.
 */
import {
  BaseError,
  decodeErrorResult,
  keccak256,
  TransactionReceiptNotFoundError,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type LocalAccount,
  type PublicClient,
  type Transport,
} from "viem";

import {
  mockDAIAbi,
  mockStablecoinAbi,
  mockUSDCAbi,
  mockUSDTAbi,
  plauditPoolAbi,
  relayAccountOf,
  relayCalldataOf,
  type RelayAction,
  type RelayErrorCode,
  type RelayRequest,
  type RelayStatus,
} from "@plaudit/protocol";
import type { Logger } from "../logger.js";
import { isRevert, shortError } from "../retry.js";
import { gasPriceRefusal } from "./policy.js";

/** The errors a relayed call can revert with: the pool's and those of the token calls it makes. */
const REVERT_ABI = [
  ...plauditPoolAbi,
  ...[mockStablecoinAbi, mockUSDCAbi, mockUSDTAbi, mockDAIAbi].flatMap((abi) =>
    abi.filter((entry) => entry.type === "error"),
  ),
] as Abi;

/** Gas headroom over the estimate, in percent. */
const GAS_LIMIT_PERCENT = 120n;
/** Relayed transactions remembered for `GET /v1/relay/transactions/:hash`; the oldest settled ones go first. */
const MAX_RECORDS = 10_000;

export interface RelayRecord {
  hash: Hex;
  action: RelayAction;
  account: Address;
  nonce: number;
  status: RelayStatus;
  blockNumber: bigint | null;
  gasUsed: bigint | null;
}

/** A relay request refused before anything was sent: it cost the keeper nothing. */
export class RelayRefusal extends Error {
  override readonly name = "RelayRefusal";
  constructor(
    readonly code: RelayErrorCode | "chain_unavailable",
    message: string,
  ) {
    super(message);
  }
}

export interface RelayerDeps {
  client: PublicClient<Transport, Chain | undefined>;
  account: LocalAccount;
  chainId: number;
  pool: Address;
  log: Logger;
}

export class Relayer {
  private readonly records = new Map<Hex, RelayRecord>();
  private readonly pendingByAccount = new Map<Address, Hex>();
  private sending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: RelayerDeps,
    private readonly maxFeePerGas: bigint,
  ) {}

  get address(): Address {
    return this.deps.account.address;
  }

  /** Simulates, then sends the pool call of `request`; throws a `RelayRefusal` for what it will not send. */
  async submit<A extends RelayAction>(action: A, request: RelayRequest<A>): Promise<RelayRecord> {
    const { client, pool } = this.deps;
    const account = relayAccountOf(action, request);
    const pending = this.pendingByAccount.get(account);
    if (pending !== undefined && (await this.refresh(pending))?.status === "pending") {
      throw new RelayRefusal("relay_in_flight", `${account} already has a relayed transaction pending: ${pending}`);
    }
    const fees = await this.chainRead(() => client.estimateFeesPerGas());
    const expensive = gasPriceRefusal(fees.maxFeePerGas, this.maxFeePerGas);
    if (expensive !== undefined) throw new RelayRefusal("gas_price_above_ceiling", expensive);

    const data = relayCalldataOf(action, request);
    const from = this.address;
    let gas: bigint;
    try {
      // A call the pool would revert is refused here, before anything is signed.
      await client.call({ account: from, to: pool, data });
      gas = await client.estimateGas({ account: from, to: pool, data });
    } catch (error) {
      if (isCallRevert(error)) throw new RelayRefusal("relay_reverts", `the pool would revert: ${revertReason(error)}`);
      throw new RelayRefusal("chain_unavailable", `the chain did not answer: ${shortError(error)}`);
    }
    const record = await this.exclusive(() => this.send(action, account, data, (gas * GAS_LIMIT_PERCENT) / 100n, fees));
    this.deps.log.info({ action, account, hash: record.hash, nonce: record.nonce }, "relayed");
    return record;
  }

  /** Where a relayed transaction stands, read again from the chain while pending; undefined if not ours. */
  async refresh(hash: Hex): Promise<RelayRecord | undefined> {
    const record = this.records.get(hash);
    if (record === undefined || record.status !== "pending") return record;
    const { client } = this.deps;
    let receipt;
    try {
      receipt = await client.getTransactionReceipt({ hash });
    } catch (error) {
      if (!(error instanceof BaseError && error.walk((e) => e instanceof TransactionReceiptNotFoundError))) {
        throw new RelayRefusal("chain_unavailable", `the chain did not answer: ${shortError(error)}`);
      }
      // Not mined: dropped if its nonce went to another transaction of the relay's key.
      const mined = await this.chainRead(() =>
        client.getTransactionCount({ address: this.address, blockTag: "latest" }),
      );
      if (mined > record.nonce) this.settle(record, "failed", null, null);
      return record;
    }
    this.settle(record, receipt.status === "success" ? "confirmed" : "failed", receipt.blockNumber, receipt.gasUsed);
    return record;
  }

  private settle(record: RelayRecord, status: RelayStatus, blockNumber: bigint | null, gasUsed: bigint | null): void {
    Object.assign(record, { status, blockNumber, gasUsed });
    if (this.pendingByAccount.get(record.account) === record.hash) this.pendingByAccount.delete(record.account);
  }

  private async send(
    action: RelayAction,
    account: Address,
    data: Hex,
    gas: bigint,
    fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  ): Promise<RelayRecord> {
    const { client, chainId, pool } = this.deps;
    const nonce = await this.chainRead(() =>
      client.getTransactionCount({ address: this.address, blockTag: "pending" }),
    );
    const serialized = await this.deps.account.signTransaction({
      chainId,
      type: "eip1559",
      to: pool,
      data,
      gas,
      nonce,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    });
    const record: RelayRecord = {
      hash: keccak256(serialized),
      action,
      account,
      nonce,
      status: "pending",
      blockNumber: null,
      gasUsed: null,
    };
    this.remember(record);
    try {
      await client.sendRawTransaction({ serializedTransaction: serialized });
    } catch (error) {
      this.settle(record, "failed", null, null);
      throw new RelayRefusal("chain_unavailable", `the chain refused the transaction: ${shortError(error)}`);
    }
    return record;
  }

  private remember(record: RelayRecord): void {
    if (this.records.size >= MAX_RECORDS) {
      for (const [hash, old] of this.records) {
        if (old.status !== "pending") {
          this.records.delete(hash);
          break;
        }
      }
    }
    this.records.set(record.hash, record);
    this.pendingByAccount.set(record.account, record.hash);
  }

  /** Runs `fn` after every earlier send has finished, so that sends never share a nonce. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.sending.then(fn, fn);
    this.sending = run.catch(() => undefined);
    return run;
  }

  private async chainRead<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new RelayRefusal("chain_unavailable", `the chain did not answer: ${shortError(error)}`);
    }
  }
}

/** JSON-RPC's "execution reverted" error code (EIP-1474), which nodes answer a reverted call with. */
const EXECUTION_REVERTED = 3;

/**
 * Whether the node said the call reverts: viem's own revert errors, or an error of code 3 or carrying
 * revert data somewhere in its chain (an in-process node's errors reach viem as unknown RPC errors).
 */
export function isCallRevert(error: unknown): boolean {
  if (isRevert(error)) return true;
  if (!(error instanceof BaseError)) return false;
  return (
    error.walk((e) => {
      const { code, data } = e as { code?: unknown; data?: unknown };
      return code === EXECUTION_REVERTED || (typeof data === "string" && data.startsWith("0x"));
    }) !== null
  );
}

/** The name and arguments of the error a reverted call carries, in words a client can act on. */
export function revertReason(error: unknown): string {
  if (!(error instanceof BaseError)) return String(error);
  const withData = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: Hex } | null;
  const data = withData?.data;
  if (data === undefined || data === "0x") return error.shortMessage;
  try {
    const decoded = decodeErrorResult({ abi: REVERT_ABI, data });
    const args = (decoded.args ?? []).map((arg) => String(arg)).join(", ");
    return `${decoded.errorName}(${args})`;
  } catch {
    return `unknown error ${data.slice(0, 10)}`;
  }
}
