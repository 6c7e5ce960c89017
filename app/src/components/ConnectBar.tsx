/**
 * Wallet connection: wallets found by EIP-6963 (and a generic injected one), the account and its
 * chain, a switch to the pool's chain, and plain words for what goes wrong.
 */
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";

import { useServices } from "../hooks/services.js";
import { describeError } from "../lib/errors.js";
import { shortAddress } from "../lib/format.js";

export function ConnectBar() {
  const { deployment, errorContext } = useServices();
  const { address, chainId, status } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const switchChain = useSwitchChain();

  if (status === "connected" && address !== undefined) {
    const wrongChain = chainId !== deployment.chainId;
    return (
      <div className="row" data-testid="wallet">
        <span>
          <strong data-testid="account">{shortAddress(address)}</strong>{" "}
          <span className="note">on chain {chainId}</span>
        </span>
        {wrongChain && (
          <span className="banner warn" role="alert">
            Wrong network: the pool is on chain {deployment.chainId}.{" "}
            <button
              type="button"
              disabled={switchChain.isPending}
              onClick={() => switchChain.mutate({ chainId: deployment.chainId })}
            >
              {switchChain.isPending ? "Switching…" : "Switch network"}
            </button>
          </span>
        )}
        {switchChain.error && <span className="error">{describeError(switchChain.error, errorContext)}</span>}
        <button type="button" className="secondary" onClick={() => disconnect.mutate({})}>
          Disconnect
        </button>
      </div>
    );
  }

  // EIP-6963 wallets announce themselves; the generic injected connector only helps if none did.
  const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
  const shown = announced.length > 0 ? announced : connectors;
  return (
    <div className="row" data-testid="wallet">
      {shown.length === 0 && (
        <span className="note">No browser wallet found. Install one (e.g. MetaMask or Rabby).</span>
      )}
      {shown.map((connector) => (
        <button
          type="button"
          key={connector.uid}
          disabled={connect.isPending}
          onClick={() => connect.mutate({ connector, chainId: deployment.chainId })}
        >
          {connect.isPending && connect.variables?.connector === connector
            ? "Connecting…"
            : `Connect ${connector.name}`}
        </button>
      ))}
      {connect.error && (
        <span className="error" role="alert">
          {describeError(connect.error, errorContext)}
        </span>
      )}
    </div>
  );
}
