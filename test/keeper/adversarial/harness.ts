/**
 * Shared plumbing of the adversarial keeper tests: a read-only snapshot of the keeper's SQLite store,
 * fast tally signing (viem's hashTypedData + libsecp256k1) for many requests, raw HTTP requests that
 * fetch() would refuse to send, and an explicit garbage collection for heap measurements.
 */
import { request, type Agent, type OutgoingHttpHeaders } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

import { bytesToHex, hashTypedData, hexToBytes, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  addClick,
  NO_CLICKS,
  plauditDomain,
  sessionTypedData,
  tallyTypedData,
  toWireTally,
  type Clicks,
  type SignedTallyInput,
} from "@plaudit/protocol";
import type { PoolFixture, Reader } from "../chain-fixture.js";

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as {
  ecdsaSign(msg: Uint8Array, key: Uint8Array): { signature: Uint8Array; recid: number };
};

export function signDigest(digest: Hex, key: Hex): Hex {
  const { signature, recid } = secp256k1.ecdsaSign(hexToBytes(digest), hexToBytes(key));
  return `${bytesToHex(signature)}${(27 + recid).toString(16)}` as Hex;
}

/** Every row of the keeper's tables, in a stable order: equal snapshots mean nothing changed. */
export function snapshotStore(dataDir: string): string {
  const db = new DatabaseSync(join(dataDir, "keeper.sqlite"), { readOnly: true });
  try {
    const tables = ["tallies", "item_clicks", "profiles", "settle_transactions", "reader_outcomes", "leases"];
    return JSON.stringify(tables.map((t) => db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()));
  } finally {
    db.close();
  }
}

/** Stored latest seq per (epoch, reader, signer). */
export function storedSeqs(dataDir: string): Map<string, bigint> {
  const db = new DatabaseSync(join(dataDir, "keeper.sqlite"), { readOnly: true });
  try {
    const rows = db.prepare(`SELECT epoch, reader, signer, seq FROM tallies`).all() as {
      epoch: string;
      reader: string;
      signer: string;
      seq: string;
    }[];
    return new Map(rows.map((r) => [`${BigInt(r.epoch)}:${r.reader}:${r.signer}`, BigInt(r.seq)]));
  } finally {
    db.close();
  }
}

/**
 * Cumulative tallies of one reader signed by a session key (or the reader's own key), signed fast
 * enough to feed load tests.
 */
export class FastSigner {
  readonly sessionKey: Hex;
  readonly signer: Address;
  private clicks: Clicks = NO_CLICKS;
  seq = 0n;
  private readonly session: SignedTallyInput["session"];

  constructor(
    private readonly fixture: Pick<PoolFixture, "chainId" | "pool" | "epochStart">,
    readonly reader: Reader,
    readonly epoch: bigint,
    options: { own?: boolean } = {},
  ) {
    const domain = plauditDomain(fixture.chainId, fixture.pool);
    if (options.own === true) {
      this.sessionKey = reader.key;
      this.signer = reader.address;
      this.session = null;
    } else {
      this.sessionKey = generatePrivateKey();
      this.signer = privateKeyToAccount(this.sessionKey).address;
      const expiry = fixture.epochStart(epoch + 5n);
      const digest = hashTypedData(
        sessionTypedData(domain, { reader: reader.address, key: this.signer, expiry, nonce: 0 }),
      );
      this.session = { expiry: expiry.toString(), nonce: 0, signature: signDigest(digest, reader.key) };
    }
  }

  get key(): string {
    return `${this.epoch}:${this.reader.address}:${this.signer}`;
  }

  /** The next cumulative tally with one more click for `creator`. */
  next(creator: Address): SignedTallyInput {
    this.clicks = addClick(this.clicks, creator);
    this.seq += 1n;
    const domain = plauditDomain(this.fixture.chainId, this.fixture.pool);
    const message = {
      reader: this.reader.address,
      epoch: this.epoch,
      seq: this.seq,
      creators: this.clicks.creators,
      counts: this.clicks.counts,
    };
    return toWireTally({
      chainId: this.fixture.chainId,
      pool: this.fixture.pool,
      reader: this.reader.address,
      signer: this.signer,
      epoch: this.epoch,
      seq: this.seq,
      creators: [...this.clicks.creators],
      counts: [...this.clicks.counts],
      signature: signDigest(hashTypedData(tallyTypedData(domain, message)), this.sessionKey),
      session:
        this.session === null
          ? null
          : { ...this.session, expiry: BigInt(this.session.expiry), signature: this.session.signature as Hex },
    });
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One HTTP request with any method, path, headers and body bytes (fetch normalizes or refuses some). */
export function rawRequest(
  base: string,
  options: {
    method: string;
    path: string;
    headers?: OutgoingHttpHeaders;
    body?: string | Buffer;
    agent?: Agent;
    timeoutMs?: number;
    /** The client's address, e.g. another 127.0.0.0/8 address to act as another IP. */
    localAddress?: string;
  },
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 10_000,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request timed out: ${options.method} ${options.path}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A full garbage collection (for heap measurements; --expose-gc is not needed). */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}
