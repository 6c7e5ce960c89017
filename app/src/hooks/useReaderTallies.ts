/** A reader's tallies of one epoch: this browser's and the keeper's, merged as `settle` takes them. */
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";

import type { SignedTally } from "@plaudit/protocol";
import { localTallies, mergeTallies } from "../lib/tallyStore.js";
import { useServices } from "./services.js";
import { useStoreVersion } from "./useStoreVersion.js";

/** How often the keeper is asked again for clicks signed elsewhere (another device, the pop-up). */
const REFRESH_MS = 5000;

export function useReaderTallies(reader: Address, epoch: bigint, { enabled = true }: { enabled?: boolean } = {}) {
  const { store, scope, keeper } = useServices();
  const [version] = useStoreVersion();
  return useQuery({
    queryKey: ["tallies", reader, epoch.toString(), version],
    enabled,
    refetchInterval: REFRESH_MS,
    queryFn: async (): Promise<{ tallies: SignedTally[]; keeperError: unknown }> => {
      const local = localTallies(store, scope, reader, epoch);
      let remote: SignedTally[] = [];
      let keeperError: unknown;
      if (keeper !== undefined) {
        try {
          remote = (await keeper.readerTallies(reader, epoch)).tallies;
        } catch (error) {
          keeperError = error;
        }
      }
      return { tallies: mergeTallies(scope, reader, epoch, local, remote), keeperError };
    },
  });
}
