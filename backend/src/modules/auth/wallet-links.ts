import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { linkWallet } from "../users/wallets.js";
import type { StellarWebAuth } from "./sep10.js";
import { consumeNonce, verifySiwe, type SiweDeps } from "./siwe.js";

/**
 * Linking a wallet to the signed-in account: the proof (a SIWE message signed over a link
 * nonce, or a signed SEP-10 challenge) is auth's to check and spend; the wallet row is the
 * users module's, written in the transaction that spends the proof.
 */
export async function linkEvmWallet(
  db: Knex,
  deps: SiweDeps,
  principal: Principal,
  ctx: AuditContext,
  input: { message: string; signature: string; label?: string },
) {
  const verified = await verifySiwe(deps, input.message, input.signature);
  return db.transaction(async (trx) => {
    await consumeNonce(trx, verified.nonce, "link_wallet", principal.userId);
    return linkWallet(trx, principal, ctx, "evm", verified.address, input.label);
  });
}

export async function linkStellarWallet(
  db: Knex,
  stellar: StellarWebAuth,
  principal: Principal,
  ctx: AuditContext,
  input: { transaction: string; label?: string },
) {
  const { account, txHash } = await stellar.verify(input.transaction);
  return db.transaction(async (trx) => {
    await stellar.consumeChallenge(trx, txHash, account, "link_wallet", principal.userId);
    return linkWallet(trx, principal, ctx, "stellar", account, input.label);
  });
}
