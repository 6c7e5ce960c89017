/**
 * TCP ports of the local system: a free port for tests, and the check `npm start` makes before it starts
 * anything, so that a port already taken fails at once with a message naming the flag that moves it.
 */
import { createServer } from "node:net";

/** A TCP port that was free a moment ago. */
export async function freePort(host?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    const onListening = () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    };
    if (host === undefined) server.listen(0, onListening);
    else server.listen(0, host, onListening);
  });
}

/** A port the local system is about to listen on. */
export interface PortClaim {
  port: number;
  /** Addresses to check; a browser reaching `localhost` may use either loopback. */
  hosts: readonly string[];
  /** What listens there, e.g. "the Hardhat chain". */
  purpose: string;
  /** How a user moves it, e.g. "--chain-port or PLAUDIT_CHAIN_PORT". */
  setting: string;
}

export class PortInUseError extends Error {
  override readonly name = "PortInUseError";
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
  }
}

type Probe = "free" | "in-use" | "forbidden" | "unavailable";

function probe(port: number, host: string): Promise<Probe> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve("in-use");
      else if (error.code === "EACCES") resolve("forbidden");
      // No such address on this machine (e.g. IPv6 switched off): nothing can listen there either.
      else resolve("unavailable");
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve("free")));
  });
}

/**
 * Throws a PortInUseError listing every claim whose port is taken (or not allowed, or claimed twice),
 * each naming the port, what needs it and the setting that changes it.
 */
export async function checkPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const problems: string[] = [];
  const seen = new Map<number, PortClaim>();
  for (const claim of claims) {
    const earlier = seen.get(claim.port);
    if (earlier !== undefined) {
      problems.push(
        `port ${claim.port} is given to both ${earlier.purpose} and ${claim.purpose}: choose another with ${claim.setting}`,
      );
      continue;
    }
    seen.set(claim.port, claim);
    const results = await Promise.all(
      claim.hosts.map(async (host) => ({ host, result: await probe(claim.port, host) })),
    );
    const taken = results.find((r) => r.result === "in-use");
    const forbidden = results.find((r) => r.result === "forbidden");
    if (taken !== undefined) {
      problems.push(
        `port ${claim.port} (${taken.host}), needed for ${claim.purpose}, is already in use: stop what uses it or choose another port with ${claim.setting}`,
      );
    } else if (forbidden !== undefined) {
      problems.push(
        `port ${claim.port}, needed for ${claim.purpose}, may not be opened by this user: choose a port above 1023 with ${claim.setting}`,
      );
    }
  }
  if (problems.length > 0) throw new PortInUseError(problems);
}
