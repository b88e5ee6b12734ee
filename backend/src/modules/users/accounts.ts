import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { HttpError } from "../../http/errors.js";
import { User, Wallet, type Network } from "./models.js";
import { addRole } from "./roles.js";
import { lockWalletAddress } from "./wallets.js";

/**
 * Accounts as the auth module makes and signs them in (auth depends on users, never the
 * reverse): each function runs in the caller's transaction, so an account is created in the
 * same transaction as its password or its session. Reads of an account's state (status,
 * email, roles) go through the published view user_accounts.
 */

/** The id of the account with this email, deleted ones included (an email stays taken). */
export async function accountIdByEmail(trx: Knex.Transaction, email: string): Promise<string | undefined> {
  const user = await User.query(trx).where({ email }).first().select("id");
  return user?.id;
}

/** A new account with an email; `createdBy` undefined means the account made itself (sign-up). */
export async function createEmailAccount(
  trx: Knex.Transaction,
  input: { email: string; displayName?: string; emailVerified: boolean; createdBy?: string | null },
): Promise<string> {
  const userId = newId();
  const actor = input.createdBy === undefined ? userId : input.createdBy;
  await User.query(trx).insert({
    id: userId,
    email: input.email,
    display_name: input.displayName ?? null,
    ...(input.emailVerified ? { email_verified_at: trx.fn.now() } : {}),
    created_by: actor,
    updated_by: actor,
  });
  return userId;
}

export async function markEmailVerified(trx: Knex.Transaction, userId: string): Promise<void> {
  await User.query(trx).findById(userId).patch({ email_verified_at: trx.fn.now(), updated_by: userId });
}

export async function recordSignIn(trx: Knex.Transaction, userId: string): Promise<void> {
  await User.query(trx).findById(userId).patch({ last_sign_in_at: trx.fn.now() });
}

/**
 * The account that holds a proven wallet, for a wallet sign-in (SIWE, SEP-10); a new address
 * becomes a new user (role fan) with that wallet as primary. A disabled or deleted account is a 403.
 */
export async function accountForWallet(trx: Knex.Transaction, network: Network, address: string): Promise<{ userId: string; newUser: boolean }> {
  // Two first sign-ins of one address at once must not make two users.
  await lockWalletAddress(trx, network, address);
  const wallet = await Wallet.query(trx).where({ "wallets.network": network, "wallets.address": address }).withGraphJoined("user").first();
  if (wallet?.user) {
    if (wallet.user.status !== "active" || wallet.user.deleted_at) throw new HttpError(403, "account_disabled", "this account is disabled");
    return { userId: wallet.user.id, newUser: false };
  }
  const userId = newId();
  await User.query(trx).insert({ id: userId, created_by: userId, updated_by: userId });
  await Wallet.query(trx).insert({
    id: newId(),
    user_id: userId,
    network,
    address,
    is_primary: true,
    verified_at: trx.fn.now(),
    created_by: userId,
    updated_by: userId,
  });
  await addRole(trx, userId, "fan", userId);
  return { userId, newUser: true };
}
