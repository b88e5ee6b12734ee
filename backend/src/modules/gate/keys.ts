import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import type { LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Config } from "../../../../lib/config.js";

/**
 * The gate's keys, from configuration:
 * - the platform pass key (secp256k1): signs EIP-712 TicketPasses for a holder who signed in;
 * - the offline snapshot key (Ed25519): signs the snapshots offline gates verify.
 * The scanner account that anchors check-ins is in event-contracts/chain-accounts.ts.
 */
export function platformPassAccount(config: Config): LocalAccount {
  return privateKeyToAccount(config.gate.passSigningKey);
}

// ---- Ed25519 snapshot key -------------------------------------------------------------

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface SnapshotSigner {
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
  sign(data: Buffer): string;
}

export function snapshotSigner(config: Config): SnapshotSigner {
  const seed = Buffer.from(config.gate.offlineSigningKey.slice(2), "hex");
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der", type: "pkcs8" });
  const publicKey = (createPublicKey(privateKey).export({ format: "der", type: "spki" }) as Buffer).subarray(SPKI_ED25519_PREFIX.length);
  return {
    publicKey: publicKey.toString("base64url"),
    sign: (data) => sign(null, data, privateKey).toString("base64url"),
  };
}

export function ed25519PublicKey(raw: string): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(raw, "base64url")]), format: "der", type: "spki" });
}

export function verifyEd25519(publicKey: string, data: Buffer, signature: string): boolean {
  try {
    return verify(null, data, ed25519PublicKey(publicKey), Buffer.from(signature, "base64url"));
  } catch {
    return false;
  }
}
