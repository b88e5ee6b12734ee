import type { Knex } from "knex";
import type { AuditContext } from "../../http/audit-context.js";
import { accountForWallet } from "../users/accounts.js";
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
    const { userId, newUser } = await accountForWallet(trx, "evm", verified.address);
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
    const { userId, newUser } = await accountForWallet(trx, "stellar", account);
    return openSession(trx, deps, ctx, userId, "sep10", { network: "stellar", address: account, newUser });
  });
}

/** The identity services app.ts builds once and hands to the routes that sign people in or link wallets. */
export interface IdentityServices {
  accessTokens: AccessTokens;
  principals: Principals;
  stellar: StellarWebAuth;
}
