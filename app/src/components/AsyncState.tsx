import type { ReactNode } from "react";

import { useServices } from "../hooks/services.js";
import { describeError } from "../lib/errors.js";

/** Loading and error states of a query, then its content. */
export function AsyncState({
  loading,
  error,
  children,
  what,
}: {
  loading: boolean;
  error: unknown;
  children: ReactNode;
  what: string;
}) {
  const { errorContext } = useServices();
  if (error !== null && error !== undefined) {
    return (
      <p className="error" role="alert">
        Could not load {what}: {describeError(error, errorContext)}
      </p>
    );
  }
  if (loading) return <p className="note">Loading {what}…</p>;
  return <>{children}</>;
}
