/**
 * Publishing the connected creator's profile: the wallet signs the EIP-712 `Profile` (wagmi; an ERC-1271
 * wallet signs its own way), the keeper stores it (PUT), and the cached profile is read again. Every
 * phase is visible: signing, publishing, the keeper's refusal in its own words (it names the field), done.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Address } from "viem";
import { useConfig } from "wagmi";
import { signTypedData } from "wagmi/actions";

import { KeeperError, profileTypedData, type ProfileMessage } from "@plaudit/protocol";
import { describeError } from "../lib/errors.js";
import { useServices } from "./services.js";
import { profileQueryKey } from "./useCreatorProfile.js";

/** Where publishing stands: the wallet is asked to sign, then the keeper to store. */
export type PublishStep = "signing" | "publishing";

/** Why publishing failed, in words: a keeper's refusal (4xx) says which field and why. */
export function publishProblem(error: unknown, describe: (error: unknown) => string): string {
  if (error instanceof KeeperError && error.kind === "rejected")
    return `The keeper refused the profile: ${error.message}`;
  return describe(error);
}

export function usePublishProfile(creator: Address) {
  const { keeper, deployment, errorContext } = useServices();
  const config = useConfig();
  const queryClient = useQueryClient();
  const [step, setStep] = useState<PublishStep>("signing");
  const mutation = useMutation({
    mutationFn: async (message: ProfileMessage) => {
      setStep("signing");
      if (keeper === undefined) throw new Error("No keeper is configured: a profile is published to a keeper.");
      const typed = profileTypedData(deployment.chainId, message);
      const signature = await signTypedData(config, {
        account: creator,
        ...typed,
        message: { ...typed.message, links: [...typed.message.links] },
      });
      setStep("publishing");
      return keeper.putProfile({
        chainId: deployment.chainId,
        ...message,
        links: [...message.links],
        version: message.version.toString(),
        signature,
      });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: profileQueryKey(deployment.chainId, creator) }),
  });
  return {
    publish: (message: ProfileMessage) => mutation.mutate(message),
    /** Pending (with its step), refused, or stored (`stored` a new version, `unchanged` the same one). */
    pending: mutation.isPending ? step : undefined,
    result: mutation.data,
    problem:
      mutation.error === null ? undefined : publishProblem(mutation.error, (e) => describeError(e, errorContext)),
  };
}
