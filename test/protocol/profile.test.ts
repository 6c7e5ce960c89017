/**
 * protocol/src/profile.ts: the `Profile` message, its bounds, and its verification for EOA and ERC-1271
 * creators through a public client (the keeper's and the dApp's way).
 */
import { expect } from "chai";
import { hashTypedData, keccak256, toHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

import {
  MAX_PROFILE_BIO_LENGTH,
  MAX_PROFILE_LINKS,
  MAX_PROFILE_NAME_LENGTH,
  MAX_PROFILE_URL_LENGTH,
  PROFILE_TYPE_STRING,
  profileTypedData,
  signedProfileSchema,
  verifyProfile,
  type SignedProfileInput,
} from "@plaudit/protocol";
import {
  createLocalChain,
  deployPool,
  signedProfile,
  type LocalChain,
  type PoolFixture,
} from "../keeper/chain-fixture.js";

describe("creator profiles (protocol)", function () {
  this.timeout(60_000);
  let chain: LocalChain;
  let fixture: PoolFixture;
  const creator = privateKeyToAccount(generatePrivateKey());

  before(async () => {
    chain = await createLocalChain();
    fixture = await deployPool(chain);
  });
  after(() => chain.close());

  /** The profile with `change` applied, parsed: the first issue's path and message, or "ok". */
  async function problemOf(change: Partial<SignedProfileInput>): Promise<string> {
    const profile = { ...(await signedProfile(fixture.chainId, creator, {})), ...change };
    const result = signedProfileSchema.safeParse(profile);
    return result.success ? "ok" : `${result.error.issues[0]?.path.join(".")}: ${result.error.issues[0]?.message}`;
  }

  describe("type", () => {
    it("hashes with the documented type string", () => {
      const message = {
        creator: creator.address,
        name: "n",
        bio: "",
        avatar: "",
        website: "",
        links: ["https://a.example/", "https://b.example/"],
        version: 7n,
      };
      const data = profileTypedData(1, message);
      // encodeData by hand: string and string[] members are hashed, as EIP-712 says.
      const enc = (parts: `0x${string}`[]) => keccak256(`0x${parts.map((p) => p.slice(2)).join("")}`);
      const word = (v: bigint | string) => toHex(BigInt(v), { size: 32 });
      const strHash = (v: string) => keccak256(toHex(v));
      const structHash = enc([
        keccak256(toHex(PROFILE_TYPE_STRING)),
        word(creator.address),
        strHash("n"),
        strHash(""),
        strHash(""),
        strHash(""),
        enc(message.links.map(strHash)),
        word(7n),
      ]);
      const domainHash = enc([
        keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId)")),
        strHash("Plaudit"),
        strHash("1"),
        word(1n),
      ]);
      expect(hashTypedData(data)).to.equal(keccak256(`0x1901${domainHash.slice(2)}${structHash.slice(2)}`));
    });
  });

  describe("bounds", () => {
    it("accepts a full profile and an empty bio, avatar, website and links", async () => {
      expect(await problemOf({})).to.equal("ok");
      expect(await problemOf({ bio: "", avatar: "", website: "", links: [] })).to.equal("ok");
      expect(await problemOf({ name: "Zoë 山田 — writer" })).to.equal("ok");
    });

    it("refuses oversized fields", async () => {
      expect(await problemOf({ name: "a".repeat(MAX_PROFILE_NAME_LENGTH + 1) })).to.match(/^name: at most/);
      expect(await problemOf({ bio: "b".repeat(MAX_PROFILE_BIO_LENGTH + 1) })).to.match(/^bio: at most/);
      const long = `https://a.example/${"x".repeat(MAX_PROFILE_URL_LENGTH)}`;
      expect(await problemOf({ website: long })).to.match(/^website: at most/);
      const links = Array.from({ length: MAX_PROFILE_LINKS + 1 }, (_, i) => `https://l${i}.example/`);
      expect(await problemOf({ links })).to.match(/^links: at most/);
      expect(await problemOf({ name: "" })).to.match(/^name: a name is required/);
    });

    it("refuses URLs that are not plain http(s)", async () => {
      for (const url of [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://files.example/",
        "//ada.example/",
        "https://user:pass@ada.example/",
        "https://ada.example/\u0000",
        "https://ada .example/",
      ]) {
        expect(await problemOf({ avatar: url }), url).to.match(/^avatar: not an http\(s\) URL/);
        expect(await problemOf({ links: [url] }), url).to.match(/^links\.0: not an http\(s\) URL/);
      }
    });

    it("refuses markup, controls and invisible characters in names", async () => {
      for (const name of [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "Ada &amp; Co",
        'Ada" onmouseover="x',
        "Ada\u0007",
        "Ada\nLovelace",
        "Ada\u202eecalevol",
        "Ada\u200b",
        " Ada",
      ]) {
        expect(await problemOf({ name }), JSON.stringify(name)).to.match(/^name: no /);
      }
      expect(await problemOf({ bio: "line one\nline two <3" })).to.equal("ok");
      expect(await problemOf({ bio: "hidden\u202etext" })).to.match(/^bio: no control/);
    });

    it("refuses a version below 1 or above uint64, and unknown fields", async () => {
      expect(await problemOf({ version: "0" })).to.match(/^version:/);
      expect(await problemOf({ version: (2n ** 64n).toString() })).to.match(/^version:/);
      expect(await problemOf({ ...({ extra: 1 } as object) })).to.not.equal("ok");
    });
  });

  describe("verification", () => {
    it("accepts an EOA creator's signature and refuses a changed field or another signer", async () => {
      const profile = signedProfileSchema.parse(await signedProfile(fixture.chainId, creator, {}));
      expect(await verifyProfile(chain.publicClient, profile)).to.equal(true);
      expect(await verifyProfile(chain.publicClient, { ...profile, name: "Mallory" })).to.equal(false);
      expect(await verifyProfile(chain.publicClient, { ...profile, version: 2n })).to.equal(false);
      const other = privateKeyToAccount(generatePrivateKey());
      const forged = signedProfileSchema.parse(
        await signedProfile(fixture.chainId, other, { creator: creator.address }),
      );
      expect(await verifyProfile(chain.publicClient, forged)).to.equal(false);
    });

    it("refuses a profile signed for another chain", async () => {
      const elsewhere = signedProfileSchema.parse(await signedProfile(fixture.chainId + 1, creator, {}));
      expect(await verifyProfile(chain.publicClient, { ...elsewhere, chainId: fixture.chainId })).to.equal(false);
    });

    it("accepts an ERC-1271 wallet creator's signature by its owner, and refuses a stranger's", async () => {
      const wallet = await fixture.newWalletReader();
      const profile = signedProfileSchema.parse(
        await signedProfile(fixture.chainId, wallet.account, { creator: wallet.address }),
      );
      expect(await verifyProfile(chain.publicClient, profile)).to.equal(true);
      const stranger = privateKeyToAccount(generatePrivateKey());
      const forged = signedProfileSchema.parse(
        await signedProfile(fixture.chainId, stranger, { creator: wallet.address }),
      );
      expect(await verifyProfile(chain.publicClient, forged)).to.equal(false);
    });
  });
});
