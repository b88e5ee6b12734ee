import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";

import type { AccessTokens } from "./access-tokens.js";
import type { Principals } from "./principals.js";
import type { StellarWebAuth } from "./sep10.js";
import { openSession, type SessionDeps, type SessionTokens } from "./sessions.js";
import { consumeNonce, verifySiwe, type SiweDeps } from "./siwe.js";

/** Sign-In with Ethereum: a new address becomes a new user (role fan) with that wallet as primary. */
export async function signInWithEthereum(
  db: Knex,
  deps: SessionDeps & SiweDeps,
  ctx: AuditContext,
  message: string,
  signature: string,
): Promise<SessionTokens> {
  const verified = await verifySiwe(deps, message, signature);
  return db.transaction(async (trx) => {
    await consumeNonce(trx, verified.nonce, "sign_in");
    const { userId, newUser } = await userForWallet(trx, "evm", verified.address);
    return openSession(trx, deps, ctx, userId, "siwe", { network: "evm", address: verified.address, chainId: verified.chainId, newUser });
  });
}

/** Stellar SEP-10: a new account becomes a new user (role fan) with that wallet as primary. */
export async function signInWithStellar(
  db: Knex,
  deps: SessionDeps & { stellar: StellarWebAuth },
  ctx: AuditContext,
  transaction: string,
): Promise<SessionTokens> {
  const { account, txHash } = await deps.stellar.verify(transaction);
  return db.transaction(async (trx) => {
    await deps.stellar.consumeChallenge(trx, txHash, account, "sign_in");
    const { userId, newUser } = await userForWallet(trx, "stellar", account);
    return openSession(trx, deps, ctx, userId, "sep10", { network: "stellar", address: account, newUser });
  });
}

async function userForWallet(trx: Knex.Transaction, network: "evm" | "stellar", address: string): Promise<{ userId: string; newUser: boolean }> {
  // Two first sign-ins of one address at once must not make two users.
  await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`wallet:${network}:${address}`]);
  const wallet = await trx("wallets as w")
    .join("users as u", "u.id", "w.user_id")
    .where({ "w.network": network, "w.address": address })
    .first("u.id", "u.status", "u.deleted_at");
  if (wallet) {
    if (wallet.status !== "active" || wallet.deleted_at) throw new HttpError(403, "account_disabled", "this account is disabled");
    return { userId: wallet.id, newUser: false };
  }
  const userId = newId();
  await trx("users").insert({ id: userId, created_by: userId, updated_by: userId });
  await trx("wallets").insert({
    id: newId(),
    user_id: userId,
    network,
    address,
    is_primary: true,
    verified_at: trx.fn.now(),
    created_by: userId,
    updated_by: userId,
  });
  const fan = await trx("roles").where({ name: "fan" }).first("id");
  await trx("user_roles").insert({ id: newId(), user_id: userId, role_id: fan.id, created_by: userId });
  return { userId, newUser: true };
}

/** The identity services app.ts builds once and hands to the routes that sign people in or link wallets. */
export interface IdentityServices {
  accessTokens: AccessTokens;
  principals: Principals;
  stellar: StellarWebAuth;
}
