/** How `npm start` compiles: third-party compiler warnings go to the log only; the rest is shown. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { expect } from "chai";

import {
  CompileError,
  compileContracts,
  compilerDiagnostics,
  isThirdPartyWarning,
  type CompilerDiagnostic,
} from "../../scripts/local/compile.js";

/** solc's warning as Hardhat printed it for OpenZeppelin 5's TransientSlot (captured from a real build). */
const TRANSIENT_STORAGE_WARNING = `Warning: Transient storage as defined by EIP-1153 can break the composability of smart contracts: Since transient storage is cleared only at the end of the transaction and not at the end of the outermost call frame to the contract within a transaction, your contract may unintentionally misbehave when invoked multiple times in a complex transaction. To avoid this, be sure to clear all transient storage at the end of any call to your contract. The use of transient storage for reentrancy guards that are cleared at the end of the call is safe.
   --> ./node_modules/@openzeppelin/contracts/utils/TransientSlot.sol:108:13:
    |
108 |             tstore(slot, value)
    |             ^^^^^^`;
const OWN_WARNING = `Warning: Unused local variable.
  --> contracts/PlauditPool.sol:42:9:
   |
42 |         uint256 unused = 1;
   |         ^^^^^^^^^^^^^^`;
const OWN_ERROR = `DeclarationError: Undeclared identifier.
  --> contracts/PlauditPool.sol:50:5:
   |
50 |     missing();
   |     ^^^^^^^`;
const BUILD_OUTPUT = `\n${TRANSIENT_STORAGE_WARNING}\n\n${OWN_WARNING}\n\nCompiled 12 Solidity files with solc 0.8.30 (evm target: cancun)\n`;

describe("local system: compiling", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "plaudit-compile-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A stand-in for `hardhat build` that prints `output` on stderr and exits with `code`. */
  const fakeBuild = (output: string, code = 0): [string, ...string[]] => [
    process.execPath,
    "-e",
    `process.stderr.write(${JSON.stringify(output)}); process.exitCode = ${code};`,
  ];

  it("reads each diagnostic with the source it points at, and nothing else", () => {
    const diagnostics = compilerDiagnostics(BUILD_OUTPUT);
    expect(diagnostics).to.deep.equal([
      {
        text: TRANSIENT_STORAGE_WARNING,
        severity: "warning",
        source: "./node_modules/@openzeppelin/contracts/utils/TransientSlot.sol",
      },
      { text: OWN_WARNING, severity: "warning", source: "contracts/PlauditPool.sol" },
    ]);
    expect(compilerDiagnostics(`${OWN_ERROR}\n`)).to.deep.equal([
      { text: OWN_ERROR, severity: "error", source: "contracts/PlauditPool.sol" },
    ]);
  });

  it("takes warnings about node_modules or npm/ sources as third-party, never errors or own sources", () => {
    const [oz, own] = compilerDiagnostics(BUILD_OUTPUT);
    expect(oz && isThirdPartyWarning(oz)).to.equal(true);
    expect(own && isThirdPartyWarning(own)).to.equal(false);
    const npmSource: CompilerDiagnostic = {
      text: "Warning: x",
      severity: "warning",
      source: "npm/@openzeppelin/contracts@5.7.0/a.sol",
    };
    expect(isThirdPartyWarning(npmSource)).to.equal(true);
    expect(isThirdPartyWarning({ ...npmSource, severity: "error" })).to.equal(false);
    expect(isThirdPartyWarning({ text: "Warning: no source", severity: "warning", source: undefined })).to.equal(false);
  });

  it("keeps the whole output in the log and shows only the project's own warnings", async () => {
    const log = join(dir, "compile.log");
    const result = await compileContracts(dir, log, { command: fakeBuild(BUILD_OUTPUT) });
    expect(result.thirdPartyWarnings).to.equal(1);
    expect(result.shown.map((d) => d.text)).to.deep.equal([OWN_WARNING]);
    expect(readFileSync(log, "utf8")).to.equal(BUILD_OUTPUT);
  });

  it("fails with the compiler's errors in words when the build fails", async () => {
    const log = join(dir, "compile.log");
    const failing = compileContracts(dir, log, {
      command: fakeBuild(`${TRANSIENT_STORAGE_WARNING}\n\n${OWN_ERROR}\n`, 1),
    });
    const error = await failing.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CompileError);
    expect((error as CompileError).message)
      .to.include("exit code 1")
      .and.include(OWN_ERROR);
    expect((error as CompileError).message).to.not.include("Transient storage");
  });
});
