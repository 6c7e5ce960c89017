/**
 * bench:keeper's load generator, run as a process of its own so that its CPU is counted apart from the
 * keeper's: one keep-alive connection per client, each posting its bodies in order (a key's tallies must
 * arrive with rising `seq`), one request in flight per connection, every client at once.
 *
 * It writes requests and reads answers on raw sockets, as wrk and autocannon do, because a general HTTP
 * client costs about as much CPU per request as the keeper spends answering it, on the same two cores.
 * autocannon itself does not fit: it loops one request list per connection and stops on a global count,
 * so it cannot post each client's own bodies exactly once and in order.
 *
 * Input: a JSON file `[{ url, bodies }]` (argv[2]). Output, one JSON line on stdout:
 * `{ seconds, cpuMs, statuses }` (the wall time and this process's CPU from the first request to the last
 * answer, and how many answers had each status).
 */
import { readFileSync } from "node:fs";
import { connect } from "node:net";

interface Client {
  url: string;
  bodies: string[];
}

const HEADER_END = "\r\n\r\n";
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;
/** The status code's place in `HTTP/1.1 201 Created`. */
const STATUS_START = "HTTP/1.1 ".length;

/** Posts `bodies` in order on one connection; resolves with the count of each answer status. */
function run({ url, bodies }: Client): Promise<Record<string, number>> {
  const target = new URL(url);
  const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: `;
  return new Promise((resolve, reject) => {
    const statuses: Record<string, number> = {};
    const socket = connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    // Answers are ASCII JSON, so one latin1 character is one byte of Content-Length.
    socket.setEncoding("latin1");
    let next = 0;
    let pending = "";
    const send = () => {
      if (next === bodies.length) {
        socket.end();
        resolve(statuses);
        return;
      }
      const body = bodies[next++] as string;
      socket.write(`${head}${Buffer.byteLength(body)}${HEADER_END}${body}`);
    };
    socket.on("connect", send);
    socket.on("data", (chunk: string) => {
      pending += chunk;
      for (;;) {
        const end = pending.indexOf(HEADER_END);
        if (end < 0) return;
        const length = Number(CONTENT_LENGTH.exec(pending.slice(0, end))?.[1] ?? 0);
        const total = end + HEADER_END.length + length;
        if (pending.length < total) return;
        const status = pending.slice(STATUS_START, STATUS_START + 3);
        statuses[status] = (statuses[status] ?? 0) + 1;
        pending = pending.slice(total);
        send();
      }
    });
    socket.on("error", reject);
    socket.on("close", () => {
      if (next < bodies.length) reject(new Error(`the keeper closed the connection after ${next} requests`));
    });
  });
}

const clients = JSON.parse(readFileSync(process.argv[2] as string, "utf8")) as Client[];
const cpuBefore = process.cpuUsage();
const started = performance.now();
const results = await Promise.all(clients.map(run));
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const statuses: Record<string, number> = {};
for (const result of results) {
  for (const [status, count] of Object.entries(result)) statuses[status] = (statuses[status] ?? 0) + count;
}
console.log(JSON.stringify({ seconds, cpuMs: (cpu.user + cpu.system) / 1000, statuses }));
