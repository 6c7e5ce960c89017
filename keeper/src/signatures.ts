/**
 * Fast ECDSA recovery with libsecp256k1 (N-API), checked exactly as OpenZeppelin's ECDSA.tryRecover does
 * in the contract: 65 bytes, v in {27, 28}, 0 < r, 0 < s <= n/2 (high-s is malleable and refused).
 */
import { createRequire } from "node:module";

import { hexToBytes, keccak256, type Address, type Hex } from "viem";

interface Secp256k1 {
  ecdsaRecover(sig: Uint8Array, recid: number, msg32: Uint8Array, compressed?: boolean): Uint8Array;
}

const require = createRequire(import.meta.url);
const secp256k1 = require("secp256k1") as Secp256k1;

const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/** The lowercase address that signed `digest`, or undefined when the contract would not accept the signature. */
export function recoverSigner(digest: Hex, signature: Hex): Address | undefined {
  if (signature.length !== 132) return undefined;
  const sig = hexToBytes(signature);
  const v = sig[64] as number;
  if (v !== 27 && v !== 28) return undefined;
  const rs = sig.subarray(0, 64);
  const s = bytesToBigInt(sig.subarray(32, 64));
  if (s === 0n || s > HALF_N || bytesToBigInt(sig.subarray(0, 32)) === 0n) return undefined;
  try {
    const publicKey = secp256k1.ecdsaRecover(rs, v - 27, hexToBytes(digest), false);
    const hash = keccak256(publicKey.subarray(1));
    return `0x${hash.slice(26)}` as Address;
  } catch {
    return undefined;
  }
}
