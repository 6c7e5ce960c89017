/**
 * A token's EIP-712 domain, read from the token itself: ERC-5267 `eip712Domain()` where it exists, else
 * derived from `name()` / `version()` and checked against `DOMAIN_SEPARATOR()` (USDC, DAI, USDS and most
 * stablecoins predate ERC-5267), with a small table of domain shapes that `name()` / `version()` alone do
 * not give. A domain is only ever returned once it hashes to what the token says: never assumed.
 */
import {
  domainSeparator,
  parseAbi,
  zeroAddress,
  type Address,
  type Client,
  type Hex,
  type TypedDataDomain,
} from "viem";
import { getChainId, readContract } from "viem/actions";

/** The token reads the funding detection makes (standards' functions, each optional on a given token). */
export const tokenProbeAbi = parseAbi([
  "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] extensions)",
  "function DOMAIN_SEPARATOR() view returns (bytes32)",
  "function name() view returns (string)",
  "function version() view returns (string)",
  "function nonces(address owner) view returns (uint256)",
  "function PERMIT_TYPEHASH() view returns (bytes32)",
  "function authorizationState(address authorizer, bytes32 nonce) view returns (bool)",
  "function allowance(address owner, address spender) view returns (uint256)",
]);

/** What `eip712Domain()` returns: fields bitmap, name, version, chainId, verifyingContract, salt, extensions. */
export type Eip712DomainResult = readonly [Hex, string, string, bigint, Address, Hex, readonly bigint[]];

/** Where a token's domain came from. */
export type TokenDomainSource = "erc5267" | "derived" | "known";

export interface TokenDomain {
  domain: TypedDataDomain;
  source: TokenDomainSource;
}

/**
 * A domain shape for tokens whose `name()` / `version()` do not give their domain. `name` and `version`
 * fall back to the token's own; `saltChainId` puts the chain id in `salt` instead of `chainId` (Polygon PoS
 * child tokens' `EIP712Base`). Entries with `chainId` and `token` apply to that token only.
 */
export interface KnownTokenDomain {
  chainId?: number;
  token?: Address;
  name?: string;
  version?: string;
  saltChainId?: boolean;
}

/**
 * The known exceptions, tried after the token's own `name()` / `version()`: tokens without `version()`
 * sign with "1" (OpenZeppelin's default and DAI's) or "2" (Circle's FiatToken); Polygon PoS child tokens
 * put the chain id in `salt`.
 */
export const KNOWN_TOKEN_DOMAINS: readonly KnownTokenDomain[] = [
  { version: "1" },
  { version: "2" },
  { version: "1", saltChainId: true },
];

/** ERC-5267's fields bitmap: which of name, version, chainId, verifyingContract, salt the domain has. */
const FIELD = { name: 1, version: 2, chainId: 4, verifyingContract: 8, salt: 16 } as const;

/** The domain an `eip712Domain()` answer describes, with only the fields its bitmap names. */
export function domainFromEip712Domain(result: Eip712DomainResult): TypedDataDomain {
  const [fieldsHex, name, version, chainId, verifyingContract, salt] = result;
  const fields = Number.parseInt(fieldsHex.slice(2, 4), 16);
  const domain: TypedDataDomain = {};
  if (fields & FIELD.name) domain.name = name;
  if (fields & FIELD.version) domain.version = version;
  if (fields & FIELD.chainId) domain.chainId = chainId;
  if (fields & FIELD.verifyingContract) domain.verifyingContract = verifyingContract;
  if (fields & FIELD.salt) domain.salt = salt;
  return domain;
}

/** The result of a read, or undefined when the token has no such function (or it reverts). */
export async function tryRead<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch {
    return undefined;
  }
}

/** The candidate domains of a token that reports `name` (and maybe `version`), in the order tried. */
export function candidateDomains(
  token: Address,
  chainId: number,
  name: string,
  version: string | undefined,
  known: readonly KnownTokenDomain[] = KNOWN_TOKEN_DOMAINS,
): { domain: TypedDataDomain; source: TokenDomainSource }[] {
  const candidates: { domain: TypedDataDomain; source: TokenDomainSource }[] = [];
  if (version !== undefined) {
    candidates.push({ domain: { name, version, chainId, verifyingContract: token }, source: "derived" });
  }
  for (const entry of known) {
    if (entry.chainId !== undefined && entry.chainId !== chainId) continue;
    if (entry.token !== undefined && entry.token.toLowerCase() !== token.toLowerCase()) continue;
    const entryName = entry.name ?? name;
    const entryVersion = entry.version ?? version;
    if (entryVersion === undefined) continue;
    const domain: TypedDataDomain = entry.saltChainId
      ? {
          name: entryName,
          version: entryVersion,
          verifyingContract: token,
          salt: `0x${chainId.toString(16).padStart(64, "0")}`,
        }
      : { name: entryName, version: entryVersion, chainId, verifyingContract: token };
    candidates.push({ domain, source: "known" });
  }
  return candidates;
}

/**
 * Reads `token`'s EIP-712 domain, or undefined when it has none that can be established (no ERC-5267, and
 * no candidate hashes to its `DOMAIN_SEPARATOR()`).
 */
export async function readTokenDomain(
  client: Client,
  token: Address,
  options: { knownDomains?: readonly KnownTokenDomain[] } = {},
): Promise<TokenDomain | undefined> {
  const read = <T>(functionName: "eip712Domain" | "DOMAIN_SEPARATOR" | "name" | "version") =>
    tryRead(() => readContract(client, { address: token, abi: tokenProbeAbi, functionName }) as Promise<T>);
  const erc5267 = await read<Eip712DomainResult>("eip712Domain");
  if (erc5267 !== undefined) return { domain: domainFromEip712Domain(erc5267), source: "erc5267" };

  const [separator, name, version, chainId] = await Promise.all([
    read<Hex>("DOMAIN_SEPARATOR"),
    read<string>("name"),
    read<string>("version"),
    getChainId(client),
  ]);
  if (separator === undefined || name === undefined) return undefined;
  const known = [...(options.knownDomains ?? []), ...KNOWN_TOKEN_DOMAINS];
  for (const candidate of candidateDomains(token, chainId, name, version, known)) {
    if (domainSeparator({ domain: candidate.domain }).toLowerCase() === separator.toLowerCase()) return candidate;
  }
  return undefined;
}

/** A throw-away owner for reads whose answer does not depend on who asks. */
export const PROBE_ADDRESS: Address = zeroAddress;
