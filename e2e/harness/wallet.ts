/**
 * A test wallet injected into the browser as an EIP-1193 provider (announced by EIP-6963 too). Its
 * requests cross into Node through a Playwright binding, where a viem local account signs typed data
 * and transactions and everything else goes to the local node's JSON-RPC. `rejectNext` makes the next
 * signature or transaction fail as a user rejection (code 4001).
 * EIP-5792: by default the wallet answers `methodNotFound` to `wallet_getCapabilities` and
 * `wallet_sendCalls`, as Rabby does; with `batching: "atomic"` it reports the `atomic` capability and
 * mines a batch's calls in one block (the node's automine paused while they are sent).
 */
import type { BrowserContext } from "playwright-core";
import { keccak256, toHex, type Hash, type Hex, type LocalAccount, type TypedDataDefinition } from "viem";

import { clients } from "./chain.js";

export const WALLET_NAME = "Plaudit Test Wallet";

const PROVIDER_SCRIPT = `(() => {
  if (window.ethereum) return;
  const listeners = {};
  const provider = {
    isPlauditTestWallet: true,
    async request({ method, params }) {
      const answer = JSON.parse(await window.__plauditWallet(JSON.stringify({ method, params: params ?? [] })));
      if (answer.error) { const e = new Error(answer.error.message); e.code = answer.error.code; throw e; }
      return answer.result;
    },
    on(event, fn) { (listeners[event] ??= []).push(fn); return provider; },
    removeListener(event, fn) { listeners[event] = (listeners[event] ?? []).filter((f) => f !== fn); return provider; },
  };
  window.ethereum = provider;
  const info = { uuid: "7b0c6c1e-8a51-4c1f-9d7e-3f3f4c1b2a90", name: ${JSON.stringify(WALLET_NAME)},
    icon: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E", rdns: "org.plaudit.testwallet" };
  const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();`;

interface Request {
  method: string;
  params: unknown[];
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface TestWallet {
  rejectNext(): void;
  requests: string[];
}

export interface TestWalletOptions {
  /** "atomic": EIP-5792 with the atomic capability; "none": methodNotFound, as Rabby answers. */
  batching?: "atomic" | "none";
}

/** JSON-RPC's "method not found". */
const METHOD_NOT_FOUND = -32601;
/** Gas for each call of a batch: estimating a call after an approval still pending in the batch would fail. */
const BATCH_CALL_GAS = 1_000_000n;

export async function injectWallet(
  context: BrowserContext,
  rpcUrl: string,
  account: LocalAccount,
  options: TestWalletOptions = {},
): Promise<TestWallet> {
  const batching = options.batching ?? "none";
  const batches = new Map<string, Hash[]>();
  const { chain, walletFor } = clients(rpcUrl);
  const wallet = walletFor(account as Parameters<typeof walletFor>[0]);
  let reject = false;
  let authorized = false;
  const requests: string[] = [];

  async function forward(method: string, params: unknown[]): Promise<unknown> {
    const response = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as {
      result?: unknown;
      error?: { code: number; message: string; data?: unknown };
    };
    if (body.error !== undefined)
      throw Object.assign(new RpcError(body.error.code, body.error.message), { data: body.error.data });
    return body.result;
  }

  function consumeRejection() {
    if (reject) {
      reject = false;
      throw new RpcError(4001, "User rejected the request.");
    }
  }

  async function handle({ method, params }: Request): Promise<unknown> {
    requests.push(method);
    switch (method) {
      case "eth_requestAccounts":
        authorized = true;
        return [account.address];
      case "eth_accounts":
        // Like a real wallet: no account is exposed before the site asked for it.
        return authorized ? [account.address] : [];
      case "eth_chainId":
        return toHex(chain.id);
      case "net_version":
        return String(chain.id);
      case "wallet_switchEthereumChain":
      case "wallet_addEthereumChain":
        return null;
      case "wallet_requestPermissions":
      case "wallet_getPermissions":
        return [{ parentCapability: "eth_accounts" }];
      case "eth_signTypedData_v4": {
        consumeRejection();
        const typed = JSON.parse(String(params[1])) as TypedDataDefinition & { types: Record<string, unknown> };
        const { EIP712Domain: _domain, ...types } = typed.types;
        if (account.signTypedData === undefined) throw new RpcError(4200, "cannot sign typed data");
        return account.signTypedData({ ...typed, types } as TypedDataDefinition);
      }
      case "personal_sign": {
        consumeRejection();
        if (account.signMessage === undefined) throw new RpcError(4200, "cannot sign messages");
        return account.signMessage({ message: { raw: params[0] as Hex } });
      }
      case "eth_sendTransaction": {
        consumeRejection();
        const tx = params[0] as { to?: Hex; data?: Hex; value?: Hex; gas?: Hex };
        return wallet.sendTransaction({
          account: wallet.account,
          chain,
          ...(tx.to === undefined ? {} : { to: tx.to }),
          ...(tx.data === undefined ? {} : { data: tx.data }),
          ...(tx.value === undefined ? {} : { value: BigInt(tx.value) }),
          ...(tx.gas === undefined ? {} : { gas: BigInt(tx.gas) }),
        });
      }
      case "wallet_getCapabilities":
        if (batching === "none") throw new RpcError(METHOD_NOT_FOUND, "Method not found");
        return { [toHex(chain.id)]: { atomic: { status: "supported" } } };
      case "wallet_sendCalls": {
        if (batching === "none") throw new RpcError(METHOD_NOT_FOUND, "Method not found");
        consumeRejection();
        const [batch] = params as [{ calls: { to: Hex; data?: Hex; value?: Hex }[] }];
        await forward("evm_setAutomine", [false]);
        const hashes: Hash[] = [];
        try {
          for (const call of batch.calls)
            hashes.push(
              await wallet.sendTransaction({
                account: wallet.account,
                chain,
                to: call.to,
                gas: BATCH_CALL_GAS,
                ...(call.data === undefined ? {} : { data: call.data }),
                ...(call.value === undefined ? {} : { value: BigInt(call.value) }),
              }),
            );
          await forward("evm_mine", []);
        } finally {
          await forward("evm_setAutomine", [true]);
        }
        const id = keccak256(toHex(hashes.join("")));
        batches.set(id, hashes);
        return { id };
      }
      case "wallet_getCallsStatus": {
        const hashes = batches.get(String(params[0]));
        if (hashes === undefined) throw new RpcError(5730, "Unknown bundle id");
        const receipts = (await Promise.all(hashes.map((hash) => forward("eth_getTransactionReceipt", [hash])))) as ({
          status: Hex;
        } | null)[];
        const mined = receipts.filter((r): r is { status: Hex } => r !== null);
        const status = mined.length < hashes.length ? 100 : mined.every((r) => r.status === "0x1") ? 200 : 500;
        return { version: "2.0.0", id: params[0], chainId: toHex(chain.id), atomic: true, status, receipts: mined };
      }
      default:
        return forward(method, params);
    }
  }

  await context.exposeBinding("__plauditWallet", async (_source, payload: string) => {
    try {
      return JSON.stringify({ result: await handle(JSON.parse(payload) as Request) });
    } catch (error) {
      const code = error instanceof RpcError ? error.code : -32603;
      const message = error instanceof Error ? error.message : String(error);
      return JSON.stringify({ error: { code, message, data: (error as { data?: unknown }).data } });
    }
  });
  await context.addInitScript({ content: PROVIDER_SCRIPT });
  return { rejectNext: () => void (reject = true), requests };
}
