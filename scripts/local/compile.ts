/**
 * Compiling the contracts for `npm start`: `hardhat build` in a child process whose whole output goes
 * to a log file. Diagnostics about the project's own sources are shown; warnings about third-party
 * code (solc's transient-storage warning about OpenZeppelin's TransientSlot, say) stay in the log,
 * counted in one line, since nothing in this repository can act on them.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

/** One diagnostic of the compiler: its text and the source it points at, if any. */
export interface CompilerDiagnostic {
  text: string;
  severity: "warning" | "error";
  source: string | undefined;
}

/** A line that opens a diagnostic: "Warning: …", "Error: …", "TypeError: …", "DeclarationError (1234): …". */
const DIAGNOSTIC_START = /^(Warning|[A-Za-z]*Error)\b[^:\n]*:/;
/** The source location line of a diagnostic: "  --> path/to/File.sol:108:13:". */
const SOURCE_LINE = /^\s*-->\s+(\S+?\.sol)(?::\d+)*:?\s*$/m;
/** Sources outside the repository's own code, as solc and Hardhat name them. */
const THIRD_PARTY_SOURCE = /(^|\/)node_modules\/|^npm\//;

/** The compiler's diagnostics in `output`, in order; other lines (progress, summaries) are left out. */
export function compilerDiagnostics(output: string): CompilerDiagnostic[] {
  const found: CompilerDiagnostic[] = [];
  let current: string[] | undefined;
  const close = () => {
    if (current === undefined) return;
    const text = current.join("\n").trimEnd();
    const severity = text.startsWith("Warning") ? "warning" : "error";
    found.push({ text, severity, source: SOURCE_LINE.exec(text)?.[1] });
    current = undefined;
  };
  for (const line of output.split(/\r?\n/)) {
    if (DIAGNOSTIC_START.test(line)) {
      close();
      current = [line];
    } else if (current !== undefined) {
      // A diagnostic ends at an unindented line after its body (e.g. "Compiled 12 Solidity files").
      if (line !== "" && !/^\s|^\d+\s*\|/.test(line)) close();
      else current.push(line);
    }
  }
  close();
  return found;
}

/** Whether a diagnostic concerns third-party code only (never an error: errors are always shown). */
export function isThirdPartyWarning(diagnostic: CompilerDiagnostic): boolean {
  return (
    diagnostic.severity === "warning" && diagnostic.source !== undefined && THIRD_PARTY_SOURCE.test(diagnostic.source)
  );
}

export interface CompileResult {
  /** Diagnostics to show: errors and warnings about the project's own sources. */
  shown: CompilerDiagnostic[];
  /** Warnings about third-party code, kept in the log only. */
  thirdPartyWarnings: number;
}

export class CompileError extends Error {
  override name = "CompileError";
}

/** The build `npm start` runs: only the contracts (not the Solidity tests), without progress lines. */
export function hardhatBuildCommand(repoRoot: string): [string, ...string[]] {
  return [fileURLToPath(new URL("node_modules/.bin/hardhat", `file://${repoRoot}`)), "build", "--no-tests", "--quiet"];
}

/**
 * Runs `command` (default: `hardhatBuildCommand`, a no-op when nothing changed) in `repoRoot`, writing
 * all its output to `logFile`; `track` gets the child so a shutdown can end it. Rejects with the
 * diagnostics to show when the build fails.
 */
export function compileContracts(
  repoRoot: string,
  logFile: string,
  options: { track?: (child: ChildProcess) => void; command?: readonly [string, ...string[]] } = {},
): Promise<CompileResult> {
  const [file, ...args] = options.command ?? hardhatBuildCommand(repoRoot);
  return new Promise((resolve, reject) => {
    const log = createWriteStream(logFile);
    const child = spawn(file, args, {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    options.track?.(child);
    let output = "";
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
      log.write(chunk);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const finished = new Promise<void>((done) => log.once("finish", () => done()));
    child.once("error", (error) => {
      log.end();
      reject(error);
    });
    child.once("close", (code, signal) => {
      log.end();
      const diagnostics = compilerDiagnostics(output);
      const shown = diagnostics.filter((d) => !isThirdPartyWarning(d));
      const thirdPartyWarnings = diagnostics.length - shown.length;
      void finished.then(() => {
        if (code === 0) resolve({ shown, thirdPartyWarnings });
        else {
          const details = shown.length > 0 ? shown.map((d) => d.text).join("\n\n") : output.trim().slice(-4000);
          reject(
            new CompileError(`compiling the contracts failed (${signal ?? `exit code ${code ?? "?"}`}):\n${details}`),
          );
        }
      });
    });
  });
}
