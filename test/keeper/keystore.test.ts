/**
 * The keeper's keystore decryption (ethers) against standard vectors: the Web3 Secret Storage
 * Definition's (also go-ethereum's accounts/keystore/testdata/v3_test_vector.json) and a scrypt keystore
 * of go-ethereum's test data (accounts/keystore/testdata/keystore/aaa, password "foobar"); a keystore
 * ethers writes; and the errors that name the setting to fix.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

import { expect } from "chai";
import { encryptKeystoreJson } from "ethers/wallet";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import { ConfigError, parseConfig } from "../../keeper/src/config.js";
import { signerOf } from "../../keeper/src/keeper.js";
import { decryptKeystore } from "../../keeper/src/keystore.js";
import { tempDir } from "./keeper-fixture.js";

const VECTOR_PASSWORD = "testpassword";
const VECTOR_KEY = "0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";

/**
 * The specification's scrypt vector. Its n = 2^18 with r = 1 is outside RFC 7914's bound
 * (n < 2^(16 r)), which ethers' scrypt (and OpenSSL's) enforce: the keeper refuses it by name.
 */
const SPEC_SCRYPT_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "83dbcc02d8ccb40e466191a123791e0e" },
    ciphertext: "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 262144,
      r: 1,
      p: 8,
      salt: "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
    },
    mac: "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

const PBKDF2_VECTOR = {
  crypto: {
    cipher: "aes-128-ctr",
    cipherparams: { iv: "6087dab2f9fdbbfaddc31a909735c1e6" },
    ciphertext: "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
    kdf: "pbkdf2",
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: "hmac-sha256",
      salt: "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
    },
    mac: "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
  },
  id: "3198bc9c-6672-5ab3-d995-4942343ae5b6",
  version: 3,
};

/** go-ethereum's test keystore "aaa": scrypt n = 8, r = 8, p = 16, its address recorded in the file. */
const GETH_SCRYPT_PASSWORD = "foobar";
const GETH_SCRYPT_ADDRESS = "0xf466859eAD1932D743d622CB74FC058882E8648A";
const GETH_SCRYPT_KEYSTORE = {
  address: "f466859ead1932d743d622cb74fc058882e8648a",
  crypto: {
    cipher: "aes-128-ctr",
    ciphertext: "cb664472deacb41a2e995fa7f96fe29ce744471deb8d146a0e43c7898c9ddd4d",
    cipherparams: { iv: "dfd9ee70812add5f4b8f89d0811c9158" },
    kdf: "scrypt",
    kdfparams: {
      dklen: 32,
      n: 8,
      p: 16,
      r: 8,
      salt: "0d6769bf016d45c479213990d6a08d938469c4adad8a02ce507b4a4e7b7739f1",
    },
    mac: "bac9af994b15a45dd39669fc66f9aa8a3b9dd8c22cb16e4d8d7ea089d0f1a1a9",
  },
  id: "472e8b3d-afb6-45b5-8111-72c89895099a",
  version: 3,
};

/** A cheap scrypt cost for keystores written by the test itself (the vectors keep their real cost). */
const TEST_SCRYPT_N = 1024;

describe("keeper keystore", function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  let n = 0;

  before(() => {
    dir = tempDir();
  });
  after(() => dir.remove());

  function file(content: unknown): string {
    const path = join(dir.path, `keystore-${n++}.json`);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
  }

  async function expectConfigError(run: Promise<unknown>, setting: string): Promise<string> {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).message).to.contain(setting);
    return (error as ConfigError).message;
  }

  it("decrypts go-ethereum's scrypt test keystore to the key of its recorded address", async () => {
    const key = await decryptKeystore(file(GETH_SCRYPT_KEYSTORE), GETH_SCRYPT_PASSWORD);
    expect(privateKeyToAccount(key).address).to.equal(GETH_SCRYPT_ADDRESS);
  });

  it("refuses the specification's scrypt vector (n beyond RFC 7914 for r = 1) naming the keystore setting", async () => {
    const message = await expectConfigError(
      decryptKeystore(file(SPEC_SCRYPT_VECTOR), VECTOR_PASSWORD),
      "--keystore (PLAUDIT_KEYSTORE)",
    );
    expect(message).to.contain("Scrypt: N must be");
  });

  it("decrypts the specification's pbkdf2 test vector", async () => {
    expect(await decryptKeystore(file(PBKDF2_VECTOR), VECTOR_PASSWORD)).to.equal(VECTOR_KEY);
  });

  it("decrypts a keystore ethers wrote, and the keeper signs with its key", async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const json = await encryptKeystoreJson({ address: account.address, privateKey: key }, "correct horse", {
      scrypt: { N: TEST_SCRYPT_N },
    });
    const path = file(json);
    expect(await decryptKeystore(path, "correct horse")).to.equal(key);
    const config = parseConfig({ pool: account.address, keystore: path, keystorePassword: "correct horse" });
    expect((await signerOf(config))?.address).to.equal(account.address);
  });

  it("names the password setting for a wrong password or a tampered keystore, the keystore for a wrong address", async () => {
    await expectConfigError(decryptKeystore(file(PBKDF2_VECTOR), "wrong"), "--keystore-password");
    await expectConfigError(decryptKeystore(file(GETH_SCRYPT_KEYSTORE), "wrong"), "--keystore-password");
    const otherAddress = { ...GETH_SCRYPT_KEYSTORE, address: "0000000000000000000000000000000000000001" };
    const mismatch = await expectConfigError(
      decryptKeystore(file(otherAddress), GETH_SCRYPT_PASSWORD),
      "--keystore (PLAUDIT_KEYSTORE)",
    );
    expect(mismatch).to.contain("address");
    const tampered = {
      ...PBKDF2_VECTOR,
      crypto: { ...PBKDF2_VECTOR.crypto, ciphertext: `00${PBKDF2_VECTOR.crypto.ciphertext.slice(2)}` },
    };
    await expectConfigError(decryptKeystore(file(tampered), VECTOR_PASSWORD), "--keystore-password");
  });

  it("names the keystore setting for a missing file, a file that is no keystore and an unsupported one", async () => {
    await expectConfigError(decryptKeystore(join(dir.path, "absent.json"), "x"), "--keystore (PLAUDIT_KEYSTORE)");
    await expectConfigError(decryptKeystore(file({ hello: "world" }), "x"), "--keystore (PLAUDIT_KEYSTORE)");
    const unsupported = { ...PBKDF2_VECTOR, crypto: { ...PBKDF2_VECTOR.crypto, kdf: "argon2" } };
    const message = await expectConfigError(
      decryptKeystore(file(unsupported), VECTOR_PASSWORD),
      "--keystore (PLAUDIT_KEYSTORE)",
    );
    expect(message).to.contain("key-derivation");
  });
});
