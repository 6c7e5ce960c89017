import type { TxState } from "../hooks/useTx.js";

/** Shows every phase of a transaction: preparing, wallet, pending, success, error. */
export function TxStatus({ state, label }: { state: TxState; label: string }) {
  switch (state.phase) {
    case "idle":
      return null;
    case "preparing":
    case "wallet":
      return (
        <p className="tx note" role="status" data-phase={state.phase}>
          {label}: {state.note}
        </p>
      );
    case "pending":
      return (
        <p className="tx note" role="status" data-phase="pending">
          {label}: waiting for the transaction <code>{state.hash.slice(0, 10)}…</code> to be mined…
        </p>
      );
    case "success":
      return (
        <p className="tx ok" role="status" data-phase="success">
          {label}: done (<code>{state.hash.slice(0, 10)}…</code>).
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
