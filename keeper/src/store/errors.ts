/**
 * Storage that cannot answer now (locked, busy, unreachable, out of space): the API answers 503 and the
 * settler retries on its next pass. Drivers turn their transient errors into this one.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** SQLite primary result codes that mean "not now" rather than "wrong statement". */
const SQLITE_TRANSIENT = new Map<number, string>([
  [5, "database is locked (busy)"],
  [6, "database table is locked"],
  [10, "disk I/O error"],
  [13, "database or disk is full"],
  [14, "unable to open the database file"],
]);

/** node:sqlite errors carry `errcode` (the extended result code); others pass through unchanged. */
export function classifySqliteError(error: unknown): unknown {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof code !== "number") return error;
  const reason = SQLITE_TRANSIENT.get(code & 0xff);
  return reason === undefined ? error : new StoreUnavailableError(`SQLite: ${reason}`, { cause: error });
}

/** PostgreSQL / pg connection-level failures (SQLSTATE classes 08, 53, 57P, serialization 40) and socket errors. */
export function classifyPostgresError(error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  const transient =
    /^(08|53|57P|40001|40P01)/.test(code) ||
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH)$/.test(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    );
  return transient ? new StoreUnavailableError(`PostgreSQL: ${message || code}`, { cause: error }) : error;
}
