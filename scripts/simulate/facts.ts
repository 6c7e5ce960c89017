/**
 * What the chain and the keeper say, gathered for the audit: the settle transactions with their events
 * and gas, refunds and returned budgets, balances, and snapshots of the pool's balance and liabilities.
 */
import type { Address, Hex } from "viem";
import { z } from "zod";

import { mockStablecoinAbi, plauditPoolAbi, signedTallySchema } from "@plaudit/protocol";
import type { SimulationChain } from "./local-chain.js";

export interface SettledReader {
  reader: Address;
  epoch: number;
  budget: bigint;
  tip: bigint;
  clicks: bigint;
}

export interface SettleTransaction {
  hash: Hex;
  epoch: number;
  gasUsed: bigint;
  settled: SettledReader[];
  skipped: { reader: Address; reason: number }[];
  /** CreatorCredited amounts of this transaction, by creator. */
  credits: Map<Address, bigint>;
  tip: bigint;
}

export interface SolvencySnapshot {
  label: string;
  poolBalance: bigint;
  openBudgets: bigint;
  claimables: bigint;
}

export interface ChainFacts {
  settleTransactions: SettleTransaction[];
  /** Cancelled refunds and withdrawn budgets, summed per reader. */
  refunded: Map<Address, bigint>;
  returned: Map<Address, bigint>;
  claimed: Map<Address, bigint>;
  /** claimableOf each creator before any claim. */
  claimableBeforeClaims: Map<Address, bigint>;
  readerBalances: Map<Address, bigint>;
  creatorBalances: Map<Address, bigint>;
  keeperBalance: bigint;
  snapshots: SolvencySnapshot[];
  /** The seq of the latest tally per `${reader}:${epoch}` and signing key, as the keeper's API reports. */
  keeperTallies: Map<string, Map<Address, bigint>>;
}

const add = (map: Map<Address, bigint>, key: Address, amount: bigint) => map.set(key, (map.get(key) ?? 0n) + amount);

/** Every pool event since deployment, grouped into what the audit needs. */
export async function poolEvents(chain: SimulationChain) {
  const events = await chain.client.getContractEvents({
    address: chain.pool,
    abi: plauditPoolAbi,
    fromBlock: chain.deployBlock,
    toBlock: "latest",
    strict: true,
  });
  const txs = new Map<Hex, SettleTransaction>();
  const refunded = new Map<Address, bigint>();
  const returned = new Map<Address, bigint>();
  const claimed = new Map<Address, bigint>();
  const txOf = (hash: Hex, epoch: bigint) => {
    let tx = txs.get(hash);
    if (tx === undefined) {
      tx = { hash, epoch: Number(epoch), gasUsed: 0n, settled: [], skipped: [], credits: new Map(), tip: 0n };
      txs.set(hash, tx);
    }
    return tx;
  };
  for (const event of events) {
    switch (event.eventName) {
      case "ReaderSettled": {
        const { epoch, reader, budget, tip, clicks } = event.args;
        txOf(event.transactionHash, epoch).settled.push({ reader, epoch: Number(epoch), budget, tip, clicks });
        break;
      }
      case "ReaderSkipped":
        txOf(event.transactionHash, event.args.epoch).skipped.push({
          reader: event.args.reader,
          reason: event.args.reason,
        });
        break;
      case "CreatorCredited":
        add(txOf(event.transactionHash, event.args.epoch).credits, event.args.creator, event.args.amount);
        break;
      case "BatchSettled":
        txOf(event.transactionHash, event.args.epoch).tip += event.args.tip;
        break;
      case "Cancelled":
        add(refunded, event.args.reader, event.args.refund);
        break;
      case "BudgetsReturned":
        add(returned, event.args.reader, event.args.amount);
        break;
      case "Claimed":
        add(claimed, event.args.creator, event.args.amount);
        break;
      default:
        break;
    }
  }
  for (const tx of txs.values()) {
    tx.gasUsed = (await chain.client.getTransactionReceipt({ hash: tx.hash })).gasUsed;
  }
  return { settleTransactions: [...txs.values()], refunded, returned, claimed };
}

export async function tokenBalance(chain: SimulationChain, account: Address): Promise<bigint> {
  return chain.client.readContract({
    address: chain.token,
    abi: mockStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });
}

export async function claimableOf(chain: SimulationChain, creator: Address): Promise<bigint> {
  return chain.client.readContract({
    address: chain.pool,
    abi: plauditPoolAbi,
    functionName: "claimableOf",
    args: [creator],
  });
}

/** The pool's token balance next to what it owes: every open budget and every creator's claimable. */
export async function solvencySnapshot(
  chain: SimulationChain,
  label: string,
  readers: readonly Address[],
  creators: readonly Address[],
  epochs: number,
): Promise<SolvencySnapshot> {
  let openBudgets = 0n;
  for (const reader of readers) {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const [amount, status] = await chain.client.readContract({
        address: chain.pool,
        abi: plauditPoolAbi,
        functionName: "budgetOf",
        args: [reader, BigInt(epoch)],
      });
      if (status === 0) openBudgets += amount;
    }
  }
  let claimables = 0n;
  for (const creator of creators) claimables += await claimableOf(chain, creator);
  return { label, poolBalance: await tokenBalance(chain, chain.pool), openBudgets, claimables };
}

const readerTalliesResponse = z.object({ tallies: z.array(signedTallySchema) });

/** The latest seq per signing key the keeper holds for `reader` in `epoch` (GET /v1/readers/:reader/tallies). */
export async function keeperTalliesOf(
  keeperUrl: string,
  reader: Address,
  epoch: number,
): Promise<Map<Address, bigint>> {
  const res = await fetch(`${keeperUrl}/v1/readers/${reader}/tallies?epoch=${epoch}`);
  if (res.status !== 200) throw new Error(`GET tallies of ${reader}: keeper answered ${res.status}`);
  const parsed = readerTalliesResponse.safeParse(await res.json());
  if (!parsed.success) throw new Error(`GET tallies of ${reader}: unexpected answer: ${parsed.error.message}`);
  return new Map(parsed.data.tallies.map((t) => [t.signer, t.seq]));
}
