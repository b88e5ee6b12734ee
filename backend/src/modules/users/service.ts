import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { DataBox, maskTail } from "../../security/encryption.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import type { StellarWebAuth } from "../auth/sep10.js";
import { consumeNonce, verifySiwe, type SiweDeps } from "../auth/siwe.js";
import type { ProfileBodies, UpdateMeBody } from "./schemas.js";

const ME_COLUMNS = ["id", "email", "email_verified_at", "display_name", "avatar_url", "bio", "locale", "timezone"];

export async function getMe(db: Knex, principal: Principal) {
  const user = await db("users").where({ id: principal.userId }).whereNull("deleted_at").first(ME_COLUMNS);
  if (!user) throw new HttpError(404, "user_not_found", "user not found");
  const roles = principal.kind === "user" ? [...principal.roles] : [];
  return meDto(user, roles);
}

function meDto(user: Record<string, unknown>, roles: string[]) {
  return {
    id: user.id as string,
    email: (user.email as string | null) ?? null,
    emailVerified: user.email_verified_at !== null,
    displayName: (user.display_name as string | null) ?? null,
    avatarUrl: (user.avatar_url as string | null) ?? null,
    bio: (user.bio as string | null) ?? null,
    locale: (user.locale as string | null) ?? null,
    timezone: (user.timezone as string | null) ?? null,
    roles,
  };
}

export async function updateMe(db: Knex, principal: Principal, ctx: AuditContext, input: z.output<typeof UpdateMeBody>) {
  return db.transaction(async (trx) => {
    const before = await trx("users").where({ id: principal.userId }).forUpdate().first(ME_COLUMNS);
    const patch: Record<string, unknown> = { updated_by: principal.userId };
    if (input.displayName !== undefined) patch.display_name = input.displayName;
    if (input.avatarUrl !== undefined) patch.avatar_url = input.avatarUrl;
    if (input.bio !== undefined) patch.bio = input.bio;
    if (input.locale !== undefined) patch.locale = input.locale;
    if (input.timezone !== undefined) patch.timezone = input.timezone;
    const [after] = await trx("users").where({ id: principal.userId }).update(patch).returning(ME_COLUMNS);
    await recordAudit(trx, ctx, { action: "user.updated", entityType: "user", entityId: principal.userId, before, after });
    return meDto(after, [...principal.roles]);
  });
}

// ------------------------------------------------------------------------------ wallets

function walletDto(row: Record<string, unknown>) {
  return {
    id: row.id as string,
    network: row.network as "evm" | "stellar",
    address: row.address as string,
    label: (row.label as string | null) ?? null,
    isPrimary: row.is_primary as boolean,
    verifiedAt: (row.verified_at as Date).toISOString(),
  };
}

// network, then id: UUIDv7 ids are time-ordered, so this is network, then when linked
export function listWallets(db: Knex, principal: Principal, page: PageQuery) {
  return paginate(db("wallets").where({ user_id: principal.userId }), page, { column: "network", order: "asc" }, walletDto);
}

/**
 * Links a wallet whose ownership was just proven (SIWE message with a link nonce, or a
 * SEP-10 challenge), in the transaction that spends the proof. An address belongs to one
 * user; the first wallet of a network becomes primary.
 */
async function insertWallet(trx: Knex.Transaction, principal: Principal, ctx: AuditContext, network: "evm" | "stellar", address: string, label?: string) {
  await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`wallet:${network}:${address}`]);
  const taken = await trx("wallets").where({ network, address }).first("user_id");
  if (taken)
    throw new HttpError(
      409,
      "wallet_taken",
      taken.user_id === principal.userId ? "this wallet is already linked to you" : "this wallet belongs to another account",
    );
  const hasPrimary = await trx("wallets").where({ user_id: principal.userId, network, is_primary: true }).first("id");
  const [row] = await trx("wallets")
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
    return insertWallet(trx, principal, ctx, "evm", verified.address, input.label);
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
    return insertWallet(trx, principal, ctx, "stellar", account, input.label);
  });
}

async function ownWalletForUpdate(trx: Knex.Transaction, principal: Principal, walletId: string) {
  const wallet = await trx("wallets").where({ id: walletId, user_id: principal.userId }).forUpdate().first();
  if (!wallet) throw new HttpError(404, "wallet_not_found", `wallet ${walletId} not found`);
  return wallet;
}

export async function updateWallet(db: Knex, principal: Principal, ctx: AuditContext, walletId: string, input: { label?: string | null; isPrimary?: true }) {
  return db.transaction(async (trx) => {
    const before = await ownWalletForUpdate(trx, principal, walletId);
    if (input.isPrimary && !before.is_primary) {
      // demote first: the partial unique index allows one primary per user and network
      await trx("wallets")
        .where({ user_id: principal.userId, network: before.network, is_primary: true })
        .update({ is_primary: false, updated_by: principal.userId });
    }
    const patch: Record<string, unknown> = { updated_by: principal.userId };
    if (input.label !== undefined) patch.label = input.label;
    if (input.isPrimary) patch.is_primary = true;
    const [after] = await trx("wallets").where({ id: walletId }).update(patch).returning("*");
    await recordAudit(trx, ctx, { action: "wallet.updated", entityType: "wallet", entityId: walletId, before, after });
    return walletDto(after);
  });
}

/** Unlinks a wallet; the oldest remaining wallet of that network becomes primary. A user keeps at least one way to sign in. */
export async function removeWallet(db: Knex, principal: Principal, ctx: AuditContext, walletId: string) {
  await db.transaction(async (trx) => {
    const before = await ownWalletForUpdate(trx, principal, walletId);
    const others = await trx("wallets").where({ user_id: principal.userId }).whereNot({ id: walletId }).orderBy("created_at").select("id", "network");
    const hasPassword = await trx("user_passwords").where({ user_id: principal.userId }).first("user_id");
    if (!others.length && !hasPassword) throw new HttpError(422, "last_sign_in_method", "this is your only way to sign in; link another wallet first");
    await trx("wallets").where({ id: walletId }).delete();
    const successor = others.find((w) => w.network === before.network);
    if (before.is_primary && successor) await trx("wallets").where({ id: successor.id }).update({ is_primary: true, updated_by: principal.userId });
    await recordAudit(trx, ctx, { action: "wallet.unlinked", entityType: "wallet", entityId: walletId, before });
  });
}

// ------------------------------------------------------------------------------ role profiles

type Kind = keyof typeof ProfileBodies;
const PROFILE_TABLE: Record<Kind, { table: string; role: string }> = {
  organizer: { table: "organizer_profiles", role: "organizer" },
  artist: { table: "artist_profiles", role: "artist" },
  "content-creator": { table: "content_creator_profiles", role: "content_creator" },
  sponsor: { table: "sponsor_profiles", role: "sponsor" },
  fan: { table: "fan_profiles", role: "fan" },
};
const TAX_ID = "organizer_profiles.tax_id";
const REVIEW_AGAIN = { verification_status: "pending", verified_at: null, verified_by: null };
const BANK = "organizer_profiles.bank_details";

export class ProfileService {
  constructor(
    private readonly db: Knex,
    private readonly box: DataBox,
    private readonly onRolesChanged: (userId: string) => void,
  ) {}

  private toDto(kind: Kind, row: Record<string, unknown>) {
    const out: Record<string, unknown> = { kind };
    for (const [key, value] of Object.entries(row)) {
      if (key.endsWith("_encrypted") || ["created_by", "updated_by"].includes(key)) continue;
      out[key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())] = value instanceof Date ? value.toISOString() : value;
    }
    if (kind === "organizer") {
      out.taxIdLast4 = row.tax_id_encrypted ? maskTail(this.box.decrypt(row.tax_id_encrypted as Buffer, TAX_ID)) : null;
      out.hasBankDetails = Boolean(row.bank_details_encrypted);
    }
    return out;
  }

  async get(userId: string, kind: Kind) {
    const row = await this.db(PROFILE_TABLE[kind].table).where({ user_id: userId }).first();
    if (!row) throw new HttpError(404, "profile_not_found", `no ${kind} profile`);
    return this.toDto(kind, row);
  }

  /** Creates or replaces the caller's profile of one kind; creating it grants the matching platform role. */
  async upsert(principal: Principal, ctx: AuditContext, kind: Kind, input: Record<string, unknown>) {
    const { table, role } = PROFILE_TABLE[kind];
    const columns = this.columns(kind, input);
    const result = await this.db.transaction(async (trx) => {
      const before = await trx(table).where({ user_id: principal.userId }).forUpdate().first();
      let after;
      if (before) {
        const review = kind === "organizer" && this.changesVerifiedIdentity(before, input) ? REVIEW_AGAIN : {};
        [after] = await trx(table)
          .where({ id: before.id })
          .update({ ...columns, ...review, updated_by: principal.userId })
          .returning("*");
      } else {
        [after] = await trx(table)
          .insert({ id: newId(), user_id: principal.userId, ...columns, created_by: principal.userId, updated_by: principal.userId })
          .returning("*");
        const roleRow = await trx("roles").where({ name: role }).first("id");
        await trx("user_roles")
          .insert({ id: newId(), user_id: principal.userId, role_id: roleRow.id, created_by: principal.userId })
          .onConflict(["user_id", "role_id"])
          .ignore();
      }
      await recordAudit(trx, ctx, {
        action: before ? "profile.updated" : "profile.created",
        entityType: table.replace(/s$/, ""),
        entityId: after.id,
        before: before ?? null,
        after,
      });
      return this.toDto(kind, after);
    });
    this.onRolesChanged(principal.userId);
    return result;
  }

  /** A verified organizer who changes the company or tax id they were verified as goes back to review. */
  private changesVerifiedIdentity(before: Record<string, unknown>, input: Record<string, unknown>): boolean {
    if (before.verification_status !== "verified") return false;
    if (input.companyName !== before.company_name) return true;
    if (input.taxId === undefined) return false;
    return !before.tax_id_encrypted || this.box.decrypt(before.tax_id_encrypted as Buffer, TAX_ID) !== input.taxId;
  }

  private columns(kind: Kind, input: Record<string, unknown>): Record<string, unknown> {
    switch (kind) {
      case "organizer":
        return {
          company_name: input.companyName,
          website: input.website ?? null,
          ...(input.taxId !== undefined ? { tax_id_encrypted: this.box.encrypt(input.taxId as string, TAX_ID) } : {}),
          ...(input.bankDetails !== undefined ? { bank_details_encrypted: this.box.encrypt(input.bankDetails as string, BANK) } : {}),
        };
      case "artist":
        return { stage_name: input.stageName, genres: input.genres, bio: input.bio ?? null, website: input.website ?? null };
      case "content-creator":
        return { channel_name: input.channelName, platforms: input.platforms, website: input.website ?? null };
      case "sponsor":
        return { brand_name: input.brandName, website: input.website ?? null };
      case "fan":
        return { favourite_genres: input.favouriteGenres };
    }
  }

  /** Platform admins (profiles.verify, or the admin CLI) verify or reject an organizer; ctx names who. */
  async verifyOrganizer(ctx: AuditContext, userId: string, status: "verified" | "rejected" | "pending") {
    return this.db.transaction(async (trx) => {
      const before = await trx("organizer_profiles").where({ user_id: userId }).forUpdate().first();
      if (!before) throw new HttpError(404, "profile_not_found", "no organizer profile");
      const [after] = await trx("organizer_profiles")
        .where({ id: before.id })
        .update({
          verification_status: status,
          verified_at: status === "verified" ? trx.fn.now() : null,
          verified_by: status === "verified" ? ctx.actorUserId : null,
          updated_by: ctx.actorUserId,
        })
        .returning("*");
      await recordAudit(trx, ctx, { action: "organizer_profile.verification_changed", entityType: "organizer_profile", entityId: before.id, before, after });
      return this.toDto("organizer", after);
    });
  }
}

// ------------------------------------------------------------------------------ platform roles

/** The id of the live account with this email, or a 404. */
export async function userIdByEmail(db: Knex, email: string): Promise<string> {
  const user = await db("users").where({ email }).whereNull("deleted_at").first("id");
  if (!user) throw new HttpError(404, "user_not_found", `no account with email ${email}`);
  return user.id as string;
}

export async function rolesOf(db: Knex, userId: string) {
  const user = await db("users").where({ id: userId }).whereNull("deleted_at").first("id");
  if (!user) throw new HttpError(404, "user_not_found", `user ${userId} not found`);
  const rows = await db("user_roles as ur").join("roles as r", "r.id", "ur.role_id").where("ur.user_id", userId).orderBy("r.name").select("r.name");
  return { userId, roles: rows.map((r) => r.name as string) };
}

/** An admin (or the admin CLI: ctx names who) grants a platform role. */
export async function grantRole(db: Knex, ctx: AuditContext, userId: string, role: string) {
  await db.transaction(async (trx) => {
    const user = await trx("users").where({ id: userId }).whereNull("deleted_at").first("id");
    if (!user) throw new HttpError(404, "user_not_found", `user ${userId} not found`);
    const roleRow = await trx("roles").where({ name: role }).first("id");
    const inserted = await trx("user_roles")
      .insert({ id: newId(), user_id: userId, role_id: roleRow.id, created_by: ctx.actorUserId })
      .onConflict(["user_id", "role_id"])
      .ignore()
      .returning("id");
    if (!inserted.length) throw new HttpError(409, "role_already_granted", `the user already has role ${role}`);
    await recordAudit(trx, ctx, { action: "user_role.granted", entityType: "user", entityId: userId, after: { role } });
  });
  return rolesOf(db, userId);
}

export async function revokeRole(db: Knex, principal: Principal, ctx: AuditContext, userId: string, role: string) {
  await db.transaction(async (trx) => {
    if (userId === principal.userId && role === "admin") throw new HttpError(422, "cannot_revoke_own_admin", "ask another admin to revoke your admin role");
    const roleRow = await trx("roles").where({ name: role }).first("id");
    const deleted = await trx("user_roles").where({ user_id: userId, role_id: roleRow.id }).delete();
    if (!deleted) throw new HttpError(404, "role_not_granted", `the user does not have role ${role}`);
    await recordAudit(trx, ctx, { action: "user_role.revoked", entityType: "user", entityId: userId, before: { role } });
  });
  return rolesOf(db, userId);
}

// ------------------------------------------------------------------------------ for other modules

/** Whether a user holds a platform permission through one of their roles (e.g. the gate: may this user scan?). */
export async function userHasPermission(db: Knex, userId: string, permission: string): Promise<boolean> {
  const row = await db("user_roles as ur")
    .join("role_permissions as rp", "rp.role_id", "ur.role_id")
    .join("permissions as p", "p.id", "rp.permission_id")
    .where({ "ur.user_id": userId, "p.name": permission })
    .first("ur.id");
  return row !== undefined;
}

/** Display name and email of each user id given (for another module's lists of people). */
export async function userSummaries(db: Knex, userIds: string[]): Promise<Map<string, { displayName: string | null; email: string | null }>> {
  if (userIds.length === 0) return new Map();
  const rows = await db("users").whereIn("id", userIds).select("id", "display_name", "email");
  return new Map(rows.map((r) => [r.id as string, { displayName: (r.display_name as string | null) ?? null, email: (r.email as string | null) ?? null }]));
}
