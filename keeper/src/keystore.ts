/**
 * Decrypts the signer's Web3 Secret Storage (V3) keystore with ethers' implementation (scrypt or
 * pbkdf2 key derivation, aes-128-ctr, MAC and address checked), the one `Wallet.fromEncryptedJson`
 * uses. test/keeper/keystore.test.ts runs it on the specification's test vectors.
 */
import { readFile } from "node:fs/promises";

import { isError } from "ethers/utils";
import { decryptKeystoreJson, isKeystoreJson } from "ethers/wallet";
import type { Hex } from "viem";

import { ConfigError } from "./config.js";

/** The private key in the keystore at `path`; a ConfigError names the setting that is wrong. */
export async function decryptKeystore(path: string, password: string): Promise<Hex> {
  let json: string;
  try {
    json = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`--keystore (PLAUDIT_KEYSTORE): cannot read ${path}: ${(error as Error).message}`);
  }
  if (!isKeystoreJson(json)) throw new ConfigError(`--keystore (PLAUDIT_KEYSTORE): ${path} is not a V3 keystore`);
  try {
    const account = await decryptKeystoreJson(json, password);
    return account.privateKey as Hex;
  } catch (error) {
    if (isError(error, "INVALID_ARGUMENT") && error.argument === "password") {
      throw new ConfigError("--keystore-password (PLAUDIT_KEYSTORE_PASSWORD): wrong password for the keystore");
    }
    const reason =
      isError(error, "INVALID_ARGUMENT") || isError(error, "UNSUPPORTED_OPERATION")
        ? error.shortMessage
        : (error as Error).message;
    throw new ConfigError(`--keystore (PLAUDIT_KEYSTORE): ${path} cannot be decrypted: ${reason}`);
  }
}
