/**
 * The relay's HTTP answers under /v1/relay/; the keeper's route table (api/server.ts) matches their paths
 * and methods and calls them:
 *
 *   GET  /v1/relay/policy                 what this keeper relays, for what fee, within which limits
 *   POST /v1/relay/<action>               relay a signed intent or a claim: 202 with the transaction hash
 *   GET  /v1/relay/transactions/:hash     where a relayed transaction stands
 *
 * A refused request is a 4xx (or a 503 while the gas price is above the ceiling) and costs the keeper
 * nothing: every check, the pool's own included (by simulation), comes before anything is signed.
 */

import type { Hex } from "viem";
import { z } from "zod";

import {
  RELAY_ACTIONS,
  RELAY_REQUEST_SCHEMAS,
  relayAccountOf,
  type RelayAction,
  type RelayPolicyResponse,
  type RelayRequest,
  type RelaySubmittedResponse,
  type RelayTransactionResponse,
} from "@plaudit/protocol";
import { HttpError } from "../api/http-error.js";
import { RateLimiter } from "../api/rate-limit.js";
import type { RelayConfig } from "./config.js";
import { feeShortfall, relayPolicy, type RelayPolicyFacts } from "./policy.js";
import { RelayRefusal, type Relayer, type RelayRecord } from "./relayer.js";

const SECONDS_PER_HOUR = 3600;

/** The HTTP status of each refusal. */
const REFUSAL_STATUS: Record<RelayRefusal["code"], number> = {
  relay_disabled: 403,
  relay_in_flight: 409,
  fee_below_policy: 422,
  relay_reverts: 422,
  gas_price_above_ceiling: 503,
  chain_unavailable: 503,
};

const hashParam = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a transaction hash (0x and 64 hex digits)")
  .transform((value) => value.toLowerCase() as Hex);

/**
 * The relay's answers, one per route; the keeper's route table (api/server.ts) matches paths and methods
 * and applies its general per-IP limit first. Refusals throw HttpError.
 */
export interface RelayRoutes {
  /** GET /v1/relay/policy. */
  policy(): RelayPolicyResponse;
  /** GET /v1/relay/transactions/:hash, with the path segment as sent. */
  transaction(hash: string): Promise<RelayTransactionResponse>;
  /** POST /v1/relay/:action, with the path segment as sent: 202 and the transaction sent. */
  submit(action: string, ip: string, readBody: () => Promise<string>): Promise<RelaySubmittedResponse>;
}

function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

function recordBody(record: RelayRecord): RelayTransactionResponse {
  return {
    hash: record.hash,
    action: record.action,
    account: record.account,
    status: record.status,
    blockNumber: record.blockNumber === null ? null : record.blockNumber.toString(),
    gasUsed: record.gasUsed === null ? null : record.gasUsed.toString(),
  };
}

/** The relay's routes; `relayer` is undefined when the relay is off (no relay key). */
export function createRelayRoutes(
  relayer: Relayer | undefined,
  config: RelayConfig,
  facts: Omit<RelayPolicyFacts, "relayer">,
): RelayRoutes {
  const policy: RelayPolicyResponse = relayPolicy(config, { ...facts, relayer: relayer?.address });
  const ipLimiter = new RateLimiter(config.relayIpRate / SECONDS_PER_HOUR, config.relayIpRate);
  const accountLimiter = new RateLimiter(config.relayAccountRate / SECONDS_PER_HOUR, config.relayAccountRate);

  function limit(limiter: RateLimiter, key: string, what: string): void {
    const wait = limiter.take(key);
    if (wait > 0) {
      throw new HttpError(429, "rate_limited", `too many relayed requests ${what}; retry in ${wait}s`, {
        "retry-after": String(wait),
      });
    }
  }

  async function parse<A extends RelayAction>(action: A, readBody: () => Promise<string>): Promise<RelayRequest<A>> {
    const text = await readBody();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new HttpError(400, "malformed_json", `body is not valid JSON: ${(error as Error).message}`);
    }
    const parsed = RELAY_REQUEST_SCHEMAS[action].safeParse(json);
    if (!parsed.success) throw new HttpError(400, "invalid_body", zodMessage(parsed.error));
    return parsed.data as RelayRequest<A>;
  }

  async function post(
    action: RelayAction,
    ip: string,
    readBody: () => Promise<string>,
  ): Promise<RelaySubmittedResponse> {
    if (relayer === undefined) {
      throw new HttpError(403, "relay_disabled", "this keeper does not relay (it has no relay key)");
    }
    const request = await parse(action, readBody);
    const shortfall = feeShortfall(action, request, config.relayMinFee);
    if (shortfall !== undefined) throw new HttpError(422, "fee_below_policy", shortfall);
    limit(ipLimiter, ip, `from ${ip}`);
    const account = relayAccountOf(action, request);
    limit(accountLimiter, account, `for ${account}`);
    let record: RelayRecord;
    try {
      record = await relayer.submit(action, request);
    } catch (error) {
      if (error instanceof RelayRefusal) {
        throw new HttpError(
          REFUSAL_STATUS[error.code],
          error.code,
          error.message,
          REFUSAL_STATUS[error.code] === 503 ? { "retry-after": "30" } : {},
        );
      }
      throw error;
    }
    return { hash: record.hash, action, status: "pending" };
  }

  return {
    policy: () => policy,
    async transaction(hash) {
      const parsed = hashParam.safeParse(hash);
      if (!parsed.success) throw new HttpError(400, "invalid_query", `hash: ${zodMessage(parsed.error)}`);
      let record: RelayRecord | undefined;
      try {
        record = await relayer?.refresh(parsed.data);
      } catch (error) {
        if (error instanceof RelayRefusal) throw new HttpError(503, error.code, error.message, { "retry-after": "5" });
        throw error;
      }
      if (record === undefined) {
        throw new HttpError(404, "not_found", `no transaction ${parsed.data} was relayed by this keeper`);
      }
      return recordBody(record);
    },
    async submit(name, ip, readBody) {
      const action = RELAY_ACTIONS.find((a) => a === name);
      if (action === undefined) throw new HttpError(404, "not_found", `no route POST /v1/relay/${name}`);
      return post(action, ip, readBody);
    },
  };
}
