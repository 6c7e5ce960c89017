/**
 * The deployment file a local system serves as the dApp's `plaudit.json`: the protocol's `Deployment`
 * plus `rpcUrl` (the dApp requires it) and `keeperUrl`, validated before anything serves it.
 */
import { deploymentSchema, type Deployment } from "@plaudit/protocol";

export class DeploymentFileError extends Error {
  override readonly name = "DeploymentFileError";
}

/** Validated `plaudit.json` text; throws a DeploymentFileError naming each bad field. */
export function deploymentFile(deployment: Deployment & { rpcUrl: string }): string {
  const result = deploymentSchema.safeParse(deployment);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => `${issue.path.join(".") || "deployment"}: ${issue.message}`);
    throw new DeploymentFileError(`invalid plaudit.json:\n  ${fields.join("\n  ")}`);
  }
  if (result.data.rpcUrl === undefined)
    throw new DeploymentFileError("invalid plaudit.json:\n  rpcUrl: the dApp needs it");
  return `${JSON.stringify(result.data, null, 2)}\n`;
}
