import type { Knex } from "knex";
import { getAddress, isHex, verifyMessage, type Hex, type PublicClient } from "viem";
import { parseSiweMessage } from "viem/siwe";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import { unauthorized } from "../../http/auth.js";
import { randomAlphanumeric } from "../../security/tokens.js";
import { AuthNonce, type NoncePurpose } from "./models.js";

const CLOCK_SKEW_MS = 60_000;

export interface SiweDeps {
  config: Config;
  /** When present, signatures are checked through the chain (EOA, EIP-1271, EIP-6492). */
  chain?: { client: PublicClient; chainId: number };
}

/** Issues a single-use nonce (CSPRNG, 24 alphanumerics); `userId` binds a wallet-link nonce to its requester. */
export async function issueNonce(db: Knex, deps: SiweDeps, purpose: NoncePurpose, userId: string | null = null) {
  const nonce = randomAlphanumeric(24);
  const expiresAt = new Date(Date.now() + deps.config.auth.siwe.nonceTtlSeconds * 1000);
  await AuthNonce.query(db).insert({ id: newId(), nonce, purpose, user_id: userId, expires_at: expiresAt });
  const { domain, uri, chainIds } = deps.config.auth.siwe;
  return { nonce, domain, uri, chainIds, expiresAt: expiresAt.toISOString() };
}

export interface VerifiedSiwe {
  address: `0x${string}`; // lowercase, as stored
  chainId: number;
  nonce: string;
}

/**
 * Checks an EIP-4361 message and its signature. Does not consume the nonce: call
 * `consumeNonce` in the transaction that opens the session, so a refused attempt never
 * spends a nonce nor opens a session, and a nonce opens at most one.
 */
export async function verifySiwe(deps: SiweDeps, message: string, signature: string): Promise<VerifiedSiwe> {
  const refuse = (why: string) => unauthorized("invalid_siwe_message", `sign-in refused: ${why}`);
  const fields = parseSiweMessage(message);
  const { domain, uri, chainIds } = deps.config.auth.siwe;
  if (!fields.address || !fields.nonce || !fields.uri || !fields.chainId || fields.version !== "1" || !fields.domain) {
    throw refuse("not an EIP-4361 message");
  }
  if (fields.domain !== domain) throw refuse(`domain must be ${domain}`);
  // Exactly the URI the nonce endpoint announces: a path under it (say, a page someone can
  // upload to) must not stand for the server.
  if (fields.uri !== uri) throw refuse(`uri must be ${uri}`);
  if (!chainIds.includes(fields.chainId)) throw refuse(`chain id must be one of ${chainIds.join(", ")}`);
  const now = Date.now();
  if (!fields.issuedAt || fields.issuedAt.getTime() > now + CLOCK_SKEW_MS) throw refuse("issued-at is missing or in the future");
  if (now - fields.issuedAt.getTime() > deps.config.auth.siwe.nonceTtlSeconds * 1000 + CLOCK_SKEW_MS) throw refuse("message is too old");
  if (fields.expirationTime && fields.expirationTime.getTime() <= now) throw refuse("message has expired");
  if (fields.notBefore && fields.notBefore.getTime() > now + CLOCK_SKEW_MS) throw refuse("message is not valid yet");
  if (!isHex(signature) || signature.length < 132) throw refuse("signature is malformed");

  const address = getAddress(fields.address);
  let valid: boolean;
  try {
    valid =
      deps.chain && deps.chain.chainId === fields.chainId
        ? await deps.chain.client.verifyMessage({ address, message, signature: signature as Hex }) // EOA, EIP-1271, EIP-6492
        : await verifyMessage({ address, message, signature: signature as Hex }); // EOA only without a chain
  } catch {
    valid = false;
  }
  if (!valid) throw refuse("signature does not match the address");
  return { address: address.toLowerCase() as `0x${string}`, chainId: fields.chainId, nonce: fields.nonce };
}

/**
 * Spends a nonce atomically: exactly one caller wins, and only while it is unexpired and
 * unspent. For wallet linking the nonce must also belong to `userId`.
 */
export async function consumeNonce(trx: Knex.Transaction, nonce: string, purpose: NoncePurpose, userId: string | null = null): Promise<void> {
  const query = AuthNonce.query(trx).where({ nonce, purpose }).whereNull("consumed_at").where("expires_at", ">", trx.fn.now());
  if (userId) query.where({ user_id: userId });
  const rows = await query.patch({ consumed_at: trx.fn.now() }).returning("id");
  if (rows.length !== 1) throw unauthorized("invalid_nonce", "sign-in refused: the nonce is unknown, expired or already used");
}
