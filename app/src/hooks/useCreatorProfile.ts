/**
 * Who a creator is, as the dApp may show it: its signed profile from the keeper, shown only once the
 * creator's signature verifies on the pool's chain (an EOA's ECDSA, an ERC-1271 wallet's answer,
 * through `verifyProfile`), and its primary ENS name when the deployment has an ENS RPC. Both are
 * cached by react-query per address. Everything here is text: it is rendered as React text, never HTML.
 */
import { useQuery } from "@tanstack/react-query";
import { isAddressEqual, type Address, type PublicClient } from "viem";

import { verifyProfile, type KeeperClient, type SignedProfile } from "@plaudit/protocol";
import type { EnsLookup } from "../lib/ens.js";
import { useServices } from "./services.js";

/** How long a verified profile or an ENS name is fresh: names change rarely, a page reload reads again. */
const PROFILE_FRESH_MS = 5 * 60_000;
const ENS_FRESH_MS = 60 * 60_000;

export type ProfileLookup =
  | { status: "none" }
  | { status: "verified"; profile: SignedProfile }
  /** The keeper served a profile that is not this creator's signed profile on this chain: not shown. */
  | { status: "unverified"; reason: string; version: bigint };

/**
 * The creator's profile from `keeper`, verified: its creator is `creator`, its chain the pool's, and
 * its signature the creator's (checked through `client`, so a contract wallet's ERC-1271 counts).
 * A keeper or chain that cannot answer is an error (thrown), not an unverified profile.
 */
export async function fetchVerifiedProfile(
  keeper: Pick<KeeperClient, "getProfile"> | undefined,
  client: Pick<PublicClient, "verifyTypedData">,
  chainId: number,
  creator: Address,
): Promise<ProfileLookup> {
  if (keeper === undefined) return { status: "none" };
  const profile = await keeper.getProfile(creator);
  if (profile === null) return { status: "none" };
  if (!isAddressEqual(profile.creator, creator))
    return { status: "unverified", reason: "the keeper served another creator's profile", version: profile.version };
  if (profile.chainId !== chainId)
    return {
      status: "unverified",
      reason: `the profile was signed for chain ${profile.chainId}`,
      version: profile.version,
    };
  if (!(await verifyProfile(client, profile)))
    return { status: "unverified", reason: "its signature is not the creator's", version: profile.version };
  return { status: "verified", profile };
}

/** The primary ENS name of `address`, or null; no lookup at all (and no request) without ENS. */
export async function primaryEnsName(
  ens: (() => Promise<EnsLookup>) | undefined,
  address: Address,
): Promise<string | null> {
  if (ens === undefined) return null;
  return (await ens()).nameOf(address);
}

export function profileQueryKey(chainId: number, creator: Address) {
  return ["creator-profile", chainId, creator.toLowerCase()] as const;
}

export function useCreatorProfile(creator: Address) {
  const { keeper, client, deployment, ens } = useServices();
  const profile = useQuery({
    queryKey: profileQueryKey(deployment.chainId, creator),
    enabled: keeper !== undefined,
    staleTime: PROFILE_FRESH_MS,
    queryFn: () => fetchVerifiedProfile(keeper, client, deployment.chainId, creator),
  });
  const ensName = useQuery({
    queryKey: ["ens-name", deployment.chainId, creator.toLowerCase()],
    enabled: ens !== undefined,
    staleTime: ENS_FRESH_MS,
    queryFn: () => primaryEnsName(ens, creator),
  });
  return {
    /** The verified profile, or undefined (none, not verified, or not loaded yet). */
    profile: profile.data?.status === "verified" ? profile.data.profile : undefined,
    lookup: profile.data,
    /** The version the keeper stores for the creator (verified or not), which a new profile must exceed. */
    storedVersion:
      profile.data === undefined || profile.data.status === "none"
        ? undefined
        : profile.data.status === "verified"
          ? profile.data.profile.version
          : profile.data.version,
    ensName: ensName.data ?? undefined,
    /** Loading and failure of the profile; an ENS name that cannot be read is only not shown. */
    isLoading: keeper !== undefined && profile.isLoading,
    error: profile.error,
    ensError: ensName.error,
  };
}
