/**
 * The SQLite store's WAL checkpointer, on a thread of its own (started by sqlite.ts, which turns the
 * keeper connection's automatic checkpoints off). Every `everyMs` it copies the WAL back into the
 * database file with a PASSIVE checkpoint, which neither waits for nor blocks the keeper's connection.
 * Run inside a COMMIT on the main thread, the automatic checkpoint stalled every request for about 20 ms
 * once per ~1,000 WAL pages, and made up more than half of the main thread's commit time at 1,000
 * tallies per second. Plain JavaScript, so that Node loads it in a worker without a TypeScript loader.
 *
 * Messages: "close" from the store (closes the connection, then the thread ends); a failed checkpoint is
 * retried at the next tick.
 */
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";

const { path, everyMs } = workerData;
const db = new DatabaseSync(path);
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const timer = setInterval(() => {
  try {
    checkpoint.get();
  } catch {
    // Busy or locked for now: the next tick tries again.
  }
}, everyMs);

parentPort?.on("message", (message) => {
  if (message !== "close") return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
