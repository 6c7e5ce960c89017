/**
 * Whether the reader can pay gas: its native balance covers a generous transaction at the chain's gas
 * price. A reader who holds only the stablecoin cannot, and is offered the keeper's relay instead.
 */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";

import { useServices } from "./services.js";
import { ACCOUNT_STATE_QUERY_KEY } from "./useLiveRefresh.js";

/**
 * Gas a reader's transaction is assumed to need when deciding between its wallet and the relay: a first
 * subscription of 12 months takes about 380,000 to 420,000 gas (docs/operations.md). A heuristic: a longer
 * subscription costs more, and a wallet short of it says so (too little ETH for gas).
 */
export const READER_TX_GAS = 500_000n;
/** How often the balance and gas price are read again, besides on the reader's activity (useLiveRefresh). */
const GAS_REFRESH_MS = 60_000;

export function hasGasFor(balance: bigint, gasPrice: bigint, gas: bigint = READER_TX_GAS): boolean {
  return balance > 0n && balance >= gasPrice * gas;
}

export function useNativeGas(reader: Address) {
  const { client } = useServices();
  const query = useQuery({
    queryKey: [ACCOUNT_STATE_QUERY_KEY, "native-gas", reader],
    refetchInterval: GAS_REFRESH_MS,
    queryFn: async () => {
      const [balance, gasPrice] = await Promise.all([client.getBalance({ address: reader }), client.getGasPrice()]);
      return hasGasFor(balance, gasPrice);
    },
  });
  return { hasNativeGas: query.data, isLoading: query.isLoading };
}
