import type { Hex, LocalAccount } from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import type { Config } from "./config.js";

/**
 * The platform's chain accounts, from configuration:
 * - the scanner account: holds SCANNER_ROLE on event contracts (granted at deployment) and
 *   anchors the gate's check-ins;
 * - the deployer account: creates events server-side (local chains only, for the demo flow);
 * - the performance confirmer: the organizer names it in a RevenueSplit (setPerformanceConfirmer),
 *   and the back office sends confirmPerformance / cancelPerformance with it.
 *
 * Each falls back to Hardhat's well-known development accounts (its public
 * mnemonic, indexes 16 to 19) on chain 31337 only; on any other chain they must be configured.
 */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const HARDHAT_CHAIN_ID = 31337;
const DEV_PERFORMANCE_CONFIRMER_INDEX = 16;
const DEV_CUSTODY_INDEX = 17;
const DEV_DEPLOYER_INDEX = 18;
const DEV_SCANNER_INDEX = 19;

function chainAccount(key: Hex | undefined, chainId: number, devIndex: number): LocalAccount | undefined {
  if (key) return privateKeyToAccount(key);
  if (chainId === HARDHAT_CHAIN_ID) return mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: devIndex });
  return undefined;
}

/** The account that checks tickets in on-chain, or undefined when none is configured for this chain. */
export function scannerAccount(config: Config, chainId: number): LocalAccount | undefined {
  return chainAccount(config.gate.scannerPrivateKey, chainId, DEV_SCANNER_INDEX);
}

/** The server-side event deployer, or undefined when none is configured for this chain. */
export function deployerAccount(config: Config, chainId: number): LocalAccount | undefined {
  return chainAccount(config.gate.deployerPrivateKey, chainId, DEV_DEPLOYER_INDEX);
}

/** The card-sale custody (MINTER_ROLE; holds custodial tickets), or undefined when none is configured for this chain. */
export function custodyAccount(config: Config, chainId: number): LocalAccount | undefined {
  return chainAccount(config.payments.custodyPrivateKey, chainId, DEV_CUSTODY_INDEX);
}

/** The account that confirms or cancels performances in revenue splits, or undefined when none is configured for this chain. */
export function performanceConfirmerAccount(config: Config, chainId: number): LocalAccount | undefined {
  return chainAccount(config.backoffice.performanceConfirmerPrivateKey, chainId, DEV_PERFORMANCE_CONFIRMER_INDEX);
}
