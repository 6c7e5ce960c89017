/**
 * Hardhat's default accounts: the public test mnemonic every Hardhat node funds with 10 000 ETH. Their
 * keys are published everywhere; they are for local chains only.
 */
import { toHex, type Address, type Hex } from "viem";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";

export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const HARDHAT_CHAIN_ID = 31337;

export interface TestAccount {
  index: number;
  address: Address;
  privateKey: Hex;
  account: HDAccount;
}

/** Account `index` of the default mnemonic (m/44'/60'/0'/0/index), with its private key. */
export function hardhatAccount(index: number): TestAccount {
  const account = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
  const key = account.getHdKey().privateKey;
  if (key === null) throw new Error(`no private key for account ${index}`);
  return { index, address: account.address, privateKey: toHex(key), account };
}
