import type { Knex } from "knex";
import type { PartialModelObject } from "objection";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { recordAudit } from "../audit/service.js";
import { Wallet, walletDto, type Network } from "./models.js";

/** Whether a user has a password to sign in with: the auth module knows (app.ts passes it in), in the caller's transaction. */
export type HasPassword = (trx: Knex.Transaction, userId: string) => Promise<boolean>;

/** Serialises everything that decides who holds an address (linking, first sign-in) in the caller's transaction. */
export async function lockWalletAddress(trx: Knex.Transaction, network: Network, address: string): Promise<void> {
  await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`wallet:${network}:${address}`]);
}

// network, then id: UUIDv7 ids are time-ordered, so this is network, then when linked
export function listWallets(db: Knex, principal: Principal, page: PageQuery) {
  const query = Wallet.query(db).where({ user_id: principal.userId });
  return paginate(query.toKnexQuery(), page, { column: "network", order: "asc" }, (row) => walletDto(Wallet.fromDatabaseJson(row)));
}

/**
 * Links a wallet whose ownership the caller just proved (the auth module: a SIWE message with
 * a link nonce, or a SEP-10 challenge), in the transaction that spends the proof. An address
 * belongs to one user; the first wallet of a network becomes primary.
 */
export async function linkWallet(trx: Knex.Transaction, principal: Principal, ctx: AuditContext, network: Network, address: string, label?: string) {
  await lockWalletAddress(trx, network, address);
  const taken = await Wallet.query(trx).where({ network, address }).first().select("user_id");
  if (taken)
    throw new HttpError(
      409,
      "wallet_taken",
      taken.user_id === principal.userId ? "this wallet is already linked to you" : "this wallet belongs to another account",
    );
  const hasPrimary = await Wallet.query(trx).where({ user_id: principal.userId, network, is_primary: true }).first().select("id");
  const row = await Wallet.query(trx)
    .insert({
      id: newId(),
      user_id: principal.userId,
      network,
      address,
      label: label ?? null,
      is_primary: !hasPrimary,
      verified_at: trx.fn.now(),
      created_by: principal.userId,
      updated_by: principal.userId,
    })
    .returning("*");
  await recordAudit(trx, ctx, { action: "wallet.linked", entityType: "wallet", entityId: row.id, after: row });
  return walletDto(row);
}

async function ownWalletForUpdate(trx: Knex.Transaction, principal: Principal, walletId: string): Promise<Wallet> {
  const wallet = await Wallet.query(trx).findById(walletId).where({ user_id: principal.userId }).forUpdate();
  if (!wallet) throw new HttpError(404, "wallet_not_found", `wallet ${walletId} not found`);
  return wallet;
}

export async function updateWallet(db: Knex, principal: Principal, ctx: AuditContext, walletId: string, input: { label?: string | null; isPrimary?: true }) {
  return db.transaction(async (trx) => {
    const before = await ownWalletForUpdate(trx, principal, walletId);
    if (input.isPrimary && !before.is_primary) {
      // demote first: the partial unique index allows one primary per user and network
      await Wallet.query(trx)
        .where({ user_id: principal.userId, network: before.network, is_primary: true })
        .patch({ is_primary: false, updated_by: principal.userId });
    }
    const patch: PartialModelObject<Wallet> = { updated_by: principal.userId };
    if (input.label !== undefined) patch.label = input.label;
    if (input.isPrimary) patch.is_primary = true;
    const after = await Wallet.query(trx).findById(walletId).patch(patch).returning("*").castTo<Wallet>();
    await recordAudit(trx, ctx, { action: "wallet.updated", entityType: "wallet", entityId: walletId, before, after });
    return walletDto(after);
  });
}

/** Unlinks a wallet; the oldest remaining wallet of that network becomes primary. A user keeps at least one way to sign in. */
export async function removeWallet(db: Knex, hasPassword: HasPassword, principal: Principal, ctx: AuditContext, walletId: string) {
  await db.transaction(async (trx) => {
    const before = await ownWalletForUpdate(trx, principal, walletId);
    const others = await Wallet.query(trx).where({ user_id: principal.userId }).whereNot({ id: walletId }).orderBy("created_at").select("id", "network");
    if (!others.length && !(await hasPassword(trx, principal.userId)))
      throw new HttpError(422, "last_sign_in_method", "this is your only way to sign in; link another wallet first");
    await Wallet.query(trx).deleteById(walletId);
    const successor = others.find((w) => w.network === before.network);
    if (before.is_primary && successor) await Wallet.query(trx).findById(successor.id).patch({ is_primary: true, updated_by: principal.userId });
    await recordAudit(trx, ctx, { action: "wallet.unlinked", entityType: "wallet", entityId: walletId, before });
  });
}

/** The user's verified EVM wallet addresses (lowercase): tickets, event contracts and the gate read them here. */
export async function evmWalletsOf(db: Knex, userId: string): Promise<string[]> {
  const wallets = await Wallet.query(db).where({ user_id: userId, network: "evm" }).select("address");
  return wallets.map((w) => w.address);
}
