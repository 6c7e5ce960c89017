/** The port check `npm start` makes before it starts anything. */
import { createServer, type Server } from "node:net";

import { expect } from "chai";

import { checkPortsFree, freePort, PortInUseError, type PortClaim } from "../../scripts/local/ports.js";

function occupy(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address !== null ? address.port : 0 });
    });
  });
}

const claim = (
  port: number,
  purpose = "the Hardhat chain",
  setting = "--chain-port or PLAUDIT_CHAIN_PORT",
): PortClaim => ({
  port,
  hosts: ["127.0.0.1"],
  purpose,
  setting,
});

describe("local system: port check", () => {
  it("passes for free ports", async () => {
    await checkPortsFree([
      claim(await freePort("127.0.0.1")),
      claim(await freePort("127.0.0.1"), "the keeper API", "--keeper-port"),
    ]);
  });

  it("names the taken port, what needs it and the flag and variable that move it", async () => {
    const { server, port } = await occupy("127.0.0.1");
    try {
      const error = await checkPortsFree([claim(port)]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(PortInUseError);
      expect((error as PortInUseError).message).to.equal(
        `port ${port} (127.0.0.1), needed for the Hardhat chain, is already in use: stop what uses it or choose another port with --chain-port or PLAUDIT_CHAIN_PORT`,
      );
    } finally {
      server.close();
    }
  });

  it("sees a port taken on every interface from a loopback check, and lists every problem at once", async () => {
    const { server, port } = await occupy("0.0.0.0");
    try {
      const free = await freePort("127.0.0.1");
      const error = (await checkPortsFree([
        claim(port, "the dApp (http://localhost)", "--app-port or PLAUDIT_APP_PORT"),
        claim(free, "the keeper API", "--keeper-port or PLAUDIT_KEEPER_PORT"),
        claim(free, "the demo creator site", "--site-port or PLAUDIT_SITE_PORT"),
      ]).catch((e: unknown) => e)) as PortInUseError;
      expect(error).to.be.instanceOf(PortInUseError);
      expect(error.problems).to.have.length(2);
      expect(error.problems[0]).to.match(new RegExp(`^port ${port} .*the dApp.*--app-port or PLAUDIT_APP_PORT$`));
      expect(error.problems[1]).to.equal(
        `port ${free} is given to both the keeper API and the demo creator site: choose another with --site-port or PLAUDIT_SITE_PORT`,
      );
    } finally {
      server.close();
    }
  });
});
