/**
 * Slow and vanishing clients: headers or a body that do not arrive in time get a 408 and a closed
 * connection (not Node's 60 s / 300 s defaults), an idle keep-alive connection is closed, and a client
 * that hangs up mid-body is no internal error: no 500 metric, no error in the log.
 */
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";

import { expect } from "chai";

import type { RunningKeeper } from "../../../keeper/src/index.js";
import { createLogger } from "../../../keeper/src/logger.js";
import { createLocalChain, deployPool, type LocalChain, type PoolFixture } from "../chain-fixture.js";
import { startTestKeeper, tempDir } from "../keeper-fixture.js";

const HEADERS_TIMEOUT_MS = 300;
const REQUEST_TIMEOUT_MS = 600;
const KEEP_ALIVE_TIMEOUT_MS = 300;
/** pino's level of error lines. */
const PINO_ERROR = 50;

/** Opens a raw connection, lets `talk` write to it, and resolves with all it received once it closed. */
function converse(url: string, talk: (socket: Socket) => void): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => talk(socket));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

describe("keeper with slow and vanishing clients", function () {
  this.timeout(30_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  let keeper: RunningKeeper;
  let dir: ReturnType<typeof tempDir>;
  const logLines: { level: number; msg?: string }[] = [];

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
    await fixture.goToEpoch(0n, 10n);
    dir = tempDir();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk
          .toString("utf8")
          .split("\n")
          .filter((l) => l.length > 0))
          logLines.push(JSON.parse(line) as { level: number; msg?: string });
        done();
      },
    });
    keeper = await startTestKeeper(fixture, {
      dataDir: dir.path,
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS,
      logger: createLogger("debug", sink),
    });
  });

  after(async () => {
    await keeper.stop();
    dir.remove();
    await chain.close();
  });

  async function metric(route: string, status: number): Promise<number> {
    const text = await (await fetch(`${keeper.url}/metrics`)).text();
    const line = text
      .split("\n")
      .find((l) => l.startsWith(`plaudit_keeper_http_requests_total{route="${route}",status="${status}"}`));
    return line === undefined ? 0 : Number(line.split(" ").pop());
  }

  it("answers 408 request_timeout and closes the connection when a body does not arrive in time", async () => {
    const answer = await converse(keeper.url, (socket) =>
      socket.write(
        'POST /v1/tallies HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"tally": {',
      ),
    );
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
    expect(answer).to.match(/x-content-type-options: nosniff/i);
    expect(JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4))).to.deep.equal({
      error: { code: "request_timeout", message: "the request did not arrive within the server's timeout" },
    });
    expect(await metric("tallies", 408)).to.equal(1);
  });

  it("answers 408 and closes the connection when headers do not arrive in time", async () => {
    const answer = await converse(keeper.url, (socket) => socket.write("POST /v1/tallies HTTP/1.1\r\nHost: x\r\n"));
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
    expect(await metric("invalid_request", 408)).to.equal(1);
  });

  it("closes an idle keep-alive connection", async () => {
    const answer = await converse(keeper.url, (socket) =>
      socket.write("GET /v1/config HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n"),
    );
    // The answer came, and then the keeper (not this client, which never ends) closed the connection.
    expect(answer).to.match(/^HTTP\/1\.1 200 /);
    expect(answer).to.match(/keep-alive: timeout=/i);
  });

  it("counts a client that hangs up mid-body as gone (499), not as an internal error", async () => {
    const errorsBefore = logLines.filter((l) => l.level >= PINO_ERROR).length;
    const goneBefore = await metric("tallies", 499);
    await converse(keeper.url, (socket) => {
      socket.write(
        'POST /v1/tallies HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"tally": {',
        () => socket.destroy(),
      );
    });
    // The keeper learns of the hang-up asynchronously: wait for it to be counted.
    const deadline = Date.now() + 5_000;
    while ((await metric("tallies", 499)) === goneBefore && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await metric("tallies", 499)).to.equal(goneBefore + 1);
    const text = await (await fetch(`${keeper.url}/metrics`)).text();
    expect(text).to.not.match(/status="500"/);
    expect(text).to.match(/plaudit_keeper_tallies_total\{result="aborted"\} 1/);
    expect(logLines.filter((l) => l.level >= PINO_ERROR).slice(errorsBefore)).to.deep.equal([]);
  });
});
