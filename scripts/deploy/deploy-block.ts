/**
 * The block a pool was deployed in (where the keeper and the dApp start reading its events): from the
 * Ignition journal's deploy transaction when there is one, else the first block with code at the
 * address, found by bisection over `eth_getCode` (which needs history back to the deployment).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { getAddress, type Address, type Chain, type Hex, type PublicClient, type Transport } from "viem";
import { z } from "zod";

type Client = PublicClient<Transport, Chain | undefined>;

const confirmLine = z.object({
  type: z.literal("TRANSACTION_CONFIRM"),
  futureId: z.string(),
  hash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
});

/** The hash of the transaction that deployed `futureId`, from an Ignition deployment's journal. */
export async function journalDeployHash(deploymentDir: string, futureId: string): Promise<Hex | undefined> {
  let text: string;
  try {
    text = await readFile(join(deploymentDir, "journal.jsonl"), "utf8");
  } catch {
    return undefined;
  }
  let hash: Hex | undefined;
  for (const line of text.split("\n")) {
    if (!line.includes("TRANSACTION_CONFIRM")) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = confirmLine.safeParse(json);
    if (parsed.success && parsed.data.futureId === futureId) hash = parsed.data.hash as Hex;
  }
  return hash;
}

async function hasCode(client: Client, address: Address, blockNumber: bigint): Promise<boolean> {
  const code = await client.getCode({ address, blockNumber });
  return code !== undefined && code !== "0x";
}

/** First block with code at `address` in `[low, high]`, given that `high` has code. */
async function bisect(client: Client, address: Address, low: bigint, high: bigint): Promise<bigint> {
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(client, address, mid)) high = mid;
    else low = mid + 1n;
  }
  return low;
}

/**
 * The deploy block of `address`. `deployHash` (from the journal) is checked against the chain: its
 * receipt must have created `address`. `searchFrom` is a block known to precede the deployment.
 */
export async function findDeployBlock(
  client: Client,
  address: Address,
  options: { deployHash?: Hex | undefined; searchFrom?: bigint } = {},
): Promise<bigint> {
  if (options.deployHash !== undefined) {
    const receipt = await client.getTransactionReceipt({ hash: options.deployHash }).catch(() => undefined);
    if (
      receipt !== undefined &&
      receipt.contractAddress !== null &&
      receipt.contractAddress !== undefined &&
      getAddress(receipt.contractAddress) === getAddress(address)
    ) {
      return receipt.blockNumber;
    }
  }
  const latest = await client.getBlockNumber({ cacheTime: 0 });
  if (!(await hasCode(client, address, latest))) throw new Error(`no contract at ${address} on this chain`);
  const from = options.searchFrom ?? 0n;
  if (from > 0n && (await hasCode(client, address, from))) return bisect(client, address, 0n, from);
  return bisect(client, address, from, latest);
}
