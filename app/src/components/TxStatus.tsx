import type { TxState } from "../hooks/useTx.js";

/** Shows every phase of a transaction: preparing, wallet, pending (sent by the wallet or the keeper), success, error. */
export function TxStatus({ state, label }: { state: TxState; label: string }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "preparing":
    case "wallet":
    case "batch":
      return (
        <p className="tx note" role="status" data-phase={state.phase}>
          {label}: {state.note}
        </p>
      );
    case "pending":
      return (
        <p className="tx note" role="status" data-phase="pending" data-sender={state.sender}>
          {label}: {state.sender === "keeper" ? "the keeper sent " : "waiting for "}the transaction{" "}
          <code>{state.hash.slice(0, 10)}…</code>
          {state.sender === "keeper" ? " for you (no gas from you); waiting for it" : ""} to be mined…
        </p>
      );
    case "success":
      return (
        <p className="tx ok" role="status" data-phase="success" data-sender={state.sender}>
          {label}: done
          {state.hash === undefined ? "" : " ("}
          {state.hash !== undefined && <code>{state.hash.slice(0, 10)}…</code>}
          {state.hash === undefined ? "" : state.sender === "keeper" ? ", relayed by the keeper)" : ")"}.
        </p>
      );
    case "error":
      return (
        <p className="tx error" role="alert" data-phase="error">
          {label} failed: {state.message}
        </p>
      );
  }
}
