/** The ENS lookups on a mainnet client (loaded on demand by ens.ts; see there). */
import { createPublicClient, http, type Address, type PublicClient } from "viem";
import { mainnet } from "viem/chains";
import { normalize } from "viem/ens";

import { ensCoinType, ETH_COIN_TYPE, MAX_ENS_NAME_LENGTH, type EnsLookup } from "./ens.js";

/** Retries of one ENS read (the name is decoration: a page never waits long for it). */
const ENS_RETRIES = 1;

/**
 * The lookups through `client` (a mainnet client): `getEnsName` with the pool chain's ENSIP-19 coin
 * type (the Universal Resolver checks the name resolves back to the address; a name not in normal form
 * is not shown), `getEnsAddress` of the
 * normalised name with the same coin type, else its ETH address.
 */
export function ensLookupWith(
  client: Pick<PublicClient, "getEnsName" | "getEnsAddress">,
  chainId: number,
  normalizeName: (name: string) => string = normalize,
): EnsLookup {
  const coinType = ensCoinType(chainId);
  return {
    nameOf: async (address) => {
      const name = await client.getEnsName({ address, coinType });
      if (name === null || name.length > MAX_ENS_NAME_LENGTH) return null;
      // A reverse record is any text its owner set: only a name already in normal form (ENSIP-15, which
      // allows no markup, controls or invisible characters) is shown.
      try {
        return normalizeName(name) === name ? name : null;
      } catch {
        return null;
      }
    },
    addressOf: async (name) => {
      let normalized: string;
      try {
        normalized = normalizeName(name);
      } catch {
        return null; // Not a valid ENS name: it names nobody.
      }
      const onChain = await client.getEnsAddress({ name: normalized, coinType });
      if (onChain !== null || coinType === ETH_COIN_TYPE) return onChain as Address | null;
      return (await client.getEnsAddress({ name: normalized, coinType: ETH_COIN_TYPE })) as Address | null;
    },
  };
}

export function createEnsLookup(ensRpcUrl: string, chainId: number): EnsLookup {
  const client = createPublicClient({ chain: mainnet, transport: http(ensRpcUrl, { retryCount: ENS_RETRIES }) });
  return ensLookupWith(client, chainId);
}
