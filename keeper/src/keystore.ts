/** Decrypts an Ethereum V3 keystore (scrypt or pbkdf2, aes-128-ctr), checking its MAC. */
import { createDecipheriv, pbkdf2Sync, scryptSync } from "node:crypto";
import { readFileSync } from "node:fs";

import { bytesToHex, concat, hexToBytes, keccak256, type Hex } from "viem";
import { z } from "zod";

import { ConfigError } from "./config.js";

const hex = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]*$/)
  .transform((v) => (v.startsWith("0x") ? v : `0x${v}`) as Hex);

const keystoreSchema = z.object({
  version: z.literal(3),
  crypto: z.object({
    cipher: z.literal("aes-128-ctr"),
    ciphertext: hex,
    cipherparams: z.object({ iv: hex }),
    kdf: z.enum(["scrypt", "pbkdf2"]),
    kdfparams: z.object({
      dklen: z.number().int().positive(),
      salt: hex,
      n: z.number().int().positive().optional(),
      r: z.number().int().positive().optional(),
      p: z.number().int().positive().optional(),
      c: z.number().int().positive().optional(),
      prf: z.literal("hmac-sha256").optional(),
    }),
    mac: hex,
  }),
});

export function decryptKeystore(path: string, password: string): Hex {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`--keystore (PLAUDIT_KEYSTORE): cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = keystoreSchema.safeParse(json);
  if (!parsed.success) throw new ConfigError(`--keystore (PLAUDIT_KEYSTORE): ${path} is not a V3 keystore`);
  const { crypto } = parsed.data;
  const p = crypto.kdfparams;
  const salt = hexToBytes(p.salt);
  const key =
    crypto.kdf === "scrypt"
      ? scryptSync(password, salt, p.dklen, { N: p.n ?? 262144, r: p.r ?? 8, p: p.p ?? 1, maxmem: 512 * 1024 * 1024 })
      : pbkdf2Sync(password, salt, p.c ?? 262144, p.dklen, "sha256");
  const ciphertext = hexToBytes(crypto.ciphertext);
  const mac = keccak256(concat([key.subarray(16, 32), ciphertext]));
  if (mac.toLowerCase() !== crypto.mac.toLowerCase()) {
    throw new ConfigError("--keystore-password (PLAUDIT_KEYSTORE_PASSWORD): wrong password for the keystore");
  }
  const decipher = createDecipheriv("aes-128-ctr", key.subarray(0, 16), hexToBytes(crypto.cipherparams.iv));
  const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  return bytesToHex(plain);
}
