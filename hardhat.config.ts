import { createRequire } from "node:module";

import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import { configVariable, defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** Hardhat cannot download compilers on these machines: use the solc-js build shipped by the `solc` package. */
const SOLC_VERSION = "0.8.30";
const solcJsPath = require.resolve("solc/soljson.js");

/**
 * Solidity fuzz and invariant campaigns. `npm test` runs the default profile; `npm run test:deep`
 * (`hardhat test solidity --test-profile deep`) the long one, before a release or after a change to
 * settlement. Every invariant sequence is `depth` handler calls, and any unexpected revert fails it.
 */
const INVARIANT_SEQUENCE = { depth: 50, failOnRevert: true };

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers, hardhatViem],
  solidity: {
    profiles: {
      default: {
        version: SOLC_VERSION,
        path: solcJsPath,
        settings: {
          evmVersion: "cancun",
          viaIR: true,
          optimizer: { enabled: true, runs: 10_000 },
        },
      },
    },
  },
  paths: {
    tests: { mocha: "test", solidity: "test" },
  },
  test: {
    solidity: {
      profiles: {
        default: { invariant: { runs: 1_000, ...INVARIANT_SEQUENCE } },
        deep: { fuzz: { runs: 10_000 }, invariant: { runs: 10_000, ...INVARIANT_SEQUENCE } },
      },
    },
  },
  networks: {
    localhost: {
      type: "http",
      chainType: "l1",
      url: "http://127.0.0.1:8545",
    },
    // Real deployments (`npm run deploy -- --network sepolia ...`). URL and key are configuration
    // variables, read from the encrypted keystore (`npx hardhat keystore set DEPLOYER_PRIVATE_KEY`) or
    // the environment, only when this network is used: they never go in the repository.
    sepolia: {
      type: "http",
      chainType: "l1",
      url: configVariable("SEPOLIA_RPC_URL"),
      accounts: [configVariable("DEPLOYER_PRIVATE_KEY")],
    },
  },
});
