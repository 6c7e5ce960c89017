/**
 * The one place the dApp reads a reader's settlement history: from the indexer when the deployment
 * names one, else from the pool's logs read in bounded ranges (lib/history.ts). Pages see only
 * `ReaderHistory` (lib/payments.ts). Refreshed with the reader's live state (useReader's useLiveRefresh).
 */
import type { Address } from "viem";

import { useReaderPast } from "./useReader.js";

export function useReaderHistory(reader: Address) {
  const past = useReaderPast(reader);
  return { data: past.data?.history, isLoading: past.isLoading, error: past.error };
}
