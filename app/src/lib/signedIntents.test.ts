import { recoverTypedDataAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";

import {
  cancellationTypedData,
  plauditDomain,
  relayCancelSchema,
  relayRevokeSessionsSchema,
  relayWithdrawSchema,
  revocationTypedData,
  withdrawalTypedData,
} from "@plaudit/protocol";
import { scope } from "../testing/fixtures.js";
import {
  cancelRequest,
  INTENT_LIFETIME_SECONDS,
  revokeRequest,
  withdrawRequest,
  type IntentSigner,
} from "./signedIntents.js";

const NOW = 1_700_000_000n;
const domain = plauditDomain(scope.chainId, scope.pool);

function readerSigner(nonce = 4n) {
  const account = privateKeyToAccount(generatePrivateKey());
  const signer: IntentSigner = {
    reader: account.address,
    domain,
    readIntentNonce: async () => nonce,
    sign: (typedData) => account.signTypedData(typedData),
  };
  return { account, signer };
}

describe("signed intents", () => {
  it("a cancellation names the month, the fee, the reader's next nonce and a deadline, signed by the reader", async () => {
    const { account, signer } = readerSigner();
    const request = relayCancelSchema.parse(await cancelRequest(signer, 5n, 10_000n, NOW));
    expect(request.cancellation).toEqual({
      reader: account.address,
      fromEpoch: 5n,
      relayerFee: 10_000n,
      nonce: 4n,
      deadline: NOW + INTENT_LIFETIME_SECONDS,
    });
    const signer_ = await recoverTypedDataAddress({
      ...cancellationTypedData(domain, request.cancellation),
      signature: request.signature,
    });
    expect(signer_).toBe(account.address);
  });

  it("a withdrawal carries the fee the reader saw, signed by the reader", async () => {
    const { account, signer } = readerSigner(0n);
    const request = relayWithdrawSchema.parse(await withdrawRequest(signer, 0n, NOW));
    expect(request.withdrawal).toEqual({
      reader: account.address,
      relayerFee: 0n,
      nonce: 0n,
      deadline: NOW + INTENT_LIFETIME_SECONDS,
    });
    expect(
      await recoverTypedDataAddress({
        ...withdrawalTypedData(domain, request.withdrawal),
        signature: request.signature,
      }),
    ).toBe(account.address);
  });

  it("a revocation has no fee, and is signed by the reader", async () => {
    const { account, signer } = readerSigner(9n);
    const request = relayRevokeSessionsSchema.parse(await revokeRequest(signer, NOW));
    expect(request.revocation).toEqual({ reader: account.address, nonce: 9n, deadline: NOW + INTENT_LIFETIME_SECONDS });
    expect(
      await recoverTypedDataAddress({
        ...revocationTypedData(domain, request.revocation),
        signature: request.signature,
      }),
    ).toBe(account.address);
  });

  it("signed under another pool's domain, an intent does not verify for this one", async () => {
    const { account, signer } = readerSigner();
    const other = { ...signer, domain: plauditDomain(scope.chainId, account.address) };
    const request = relayWithdrawSchema.parse(await withdrawRequest(other, 0n, NOW));
    expect(
      await recoverTypedDataAddress({
        ...withdrawalTypedData(domain, request.withdrawal),
        signature: request.signature,
      }),
    ).not.toBe(account.address);
  });

  it("sends nothing when the wallet refuses to sign", async () => {
    const { signer } = readerSigner();
    const refusing: IntentSigner = {
      ...signer,
      sign: async () => Promise.reject(new Error("User rejected the request.")),
    };
    await expect(revokeRequest(refusing, NOW)).rejects.toThrow(/rejected/);
  });
});
