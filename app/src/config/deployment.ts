/**
 * The runtime configuration: `/plaudit.json`, written next to the served files at deployment. It is a
 * protocol `Deployment`; the dApp also needs its `rpcUrl`. Nothing about the chain or the contracts is
 * hard-coded anywhere else.
 */
import { z } from "zod";

import { deploymentSchema, type Deployment } from "@plaudit/protocol";

export const appDeploymentSchema = deploymentSchema.extend({
  rpcUrl: z.string().url({ message: "plaudit.json needs an rpcUrl the dApp can read the chain from" }),
});

export type AppDeployment = Deployment & { rpcUrl: string };

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses the deployment file's JSON text, naming the first bad field. */
export function parseDeployment(text: string): AppDeployment {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError("plaudit.json is not valid JSON");
  }
  const result = appDeploymentSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join(".") : "file";
    throw new ConfigError(`plaudit.json: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/** Fetches and validates `plaudit.json` from the directory the page was served from. */
export async function loadDeployment(
  fetchImpl: typeof fetch = fetch,
  base: string = document.baseURI,
): Promise<AppDeployment> {
  const url = new URL("plaudit.json", base);
  let response: Response;
  try {
    response = await fetchImpl(url, { cache: "no-store" });
  } catch {
    throw new ConfigError(`cannot load ${url.pathname}: the server is unreachable`);
  }
  if (!response.ok) throw new ConfigError(`cannot load ${url.pathname}: HTTP ${response.status}`);
  return parseDeployment(await response.text());
}
