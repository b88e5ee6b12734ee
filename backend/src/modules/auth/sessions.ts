import type { Knex } from "knex";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import { unauthorized } from "../../http/auth.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import type { AccessTokens } from "./access-tokens.js";

export type SignInMethod = "siwe" | "sep10" | "password";

export interface SessionTokens {
  tokenType: "Bearer";
  userId: string;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

export interface SessionDeps {
  config: Config;
  accessTokens: AccessTokens;
}

/** Opens a session (a refresh-token family) inside the caller's transaction, with its audit row. */
export async function openSession(
  trx: Knex.Transaction,
  deps: SessionDeps,
  ctx: AuditContext,
  userId: string,
  method: SignInMethod,
  auditDetails: Record<string, unknown> = {},
): Promise<SessionTokens> {
  const sessionId = newId();
  const expiresAt = new Date(Date.now() + deps.config.auth.refreshTokenTtlSeconds * 1000);
  await trx("auth_sessions").insert({
    id: sessionId,
    user_id: userId,
    method,
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    expires_at: expiresAt,
  });
  await trx("users").where({ id: userId }).update({ last_sign_in_at: trx.fn.now() });
  const refresh = await insertRefreshToken(trx, sessionId, expiresAt);
  await recordAudit(
    trx,
    { ...ctx, actorType: "user", actorUserId: userId, actorApiKeyId: null },
    {
      action: "session.created",
      entityType: "session",
      entityId: sessionId,
      after: { userId, method, ...auditDetails },
    },
  );
  return tokens(deps, userId, sessionId, refresh.token, expiresAt);
}

async function insertRefreshToken(trx: Knex.Transaction, sessionId: string, expiresAt: Date) {
  const token = randomToken(32);
  await trx("refresh_tokens").insert({ id: newId(), session_id: sessionId, token_hash: sha256Hex(token), expires_at: expiresAt });
  return { token };
}

async function tokens(deps: SessionDeps, userId: string, sessionId: string, refreshToken: string, refreshExpiresAt: Date): Promise<SessionTokens> {
  const access = await deps.accessTokens.issue(userId, sessionId);
  return {
    tokenType: "Bearer",
    userId,
    sessionId,
    accessToken: access.token,
    accessTokenExpiresAt: access.expiresAt.toISOString(),
    refreshToken,
    refreshTokenExpiresAt: refreshExpiresAt.toISOString(),
  };
}

/**
 * Rotates a refresh token: the presented one is spent, a new one is returned. Presenting a
 * spent token again means it leaked (or a client raced itself): the whole session is revoked,
 * and the revocation is committed even though the caller gets a 401.
 */
export async function refreshSession(
  db: Knex,
  deps: SessionDeps,
  ctx: AuditContext,
  refreshToken: string,
  onRevoked: (sessionId: string) => void,
): Promise<SessionTokens> {
  const outcome = await db.transaction(async (trx) => {
    const row = await trx("refresh_tokens as rt")
      .join("auth_sessions as s", "s.id", "rt.session_id")
      .join("users as u", "u.id", "s.user_id")
      .where("rt.token_hash", sha256Hex(refreshToken))
      .forUpdate()
      .first("rt.id", "rt.rotated_at", "rt.expires_at", "s.id as session_id", "s.user_id", "s.revoked_at", "s.expires_at as session_expires_at", "u.status");
    if (!row) return { kind: "invalid" as const };
    const actor = { ...ctx, actorType: "user" as const, actorUserId: row.user_id, actorApiKeyId: null };
    if (row.rotated_at) {
      if (!row.revoked_at) {
        await trx("auth_sessions").where({ id: row.session_id }).update({ revoked_at: trx.fn.now(), revoked_reason: "refresh_token_reuse" });
        await recordAudit(trx, actor, {
          action: "session.revoked",
          entityType: "session",
          entityId: row.session_id,
          after: { reason: "refresh_token_reuse" },
        });
      }
      return { kind: "reused" as const, sessionId: row.session_id as string };
    }
    const now = new Date();
    if (row.revoked_at || row.expires_at <= now || row.session_expires_at <= now || row.status !== "active") return { kind: "invalid" as const };

    await trx("refresh_tokens").where({ id: row.id }).update({ rotated_at: trx.fn.now() });
    await trx("auth_sessions").where({ id: row.session_id }).update({ last_refreshed_at: trx.fn.now() });
    const next = await insertRefreshToken(trx, row.session_id, row.session_expires_at);
    await recordAudit(trx, actor, { action: "session.refreshed", entityType: "session", entityId: row.session_id });
    return { kind: "ok" as const, tokens: await tokens(deps, row.user_id, row.session_id, next.token, row.session_expires_at) };
  });
  if (outcome.kind === "ok") return outcome.tokens;
  if (outcome.kind === "reused") {
    onRevoked(outcome.sessionId);
    throw unauthorized("refresh_token_reused", "this refresh token was already used; the session has been revoked, sign in again");
  }
  throw unauthorized("invalid_refresh_token", "the refresh token is invalid, expired or revoked");
}

/** Logout: revokes the session (every refresh token in it; access tokens stop within seconds). */
export async function revokeSession(db: Knex, ctx: AuditContext, sessionId: string, reason: "logout" | "password_reset" | "admin"): Promise<void> {
  await db.transaction(async (trx) => {
    const updated = await trx("auth_sessions").where({ id: sessionId }).whereNull("revoked_at").update({ revoked_at: trx.fn.now(), revoked_reason: reason });
    if (updated) await recordAudit(trx, ctx, { action: "session.revoked", entityType: "session", entityId: sessionId, after: { reason } });
  });
}

/** Revokes every open session of a user, in the caller's transaction; returns their ids. */
export async function revokeUserSessions(trx: Knex.Transaction, userId: string, reason: "password_reset" | "admin"): Promise<string[]> {
  const rows = await trx("auth_sessions")
    .where({ user_id: userId })
    .whereNull("revoked_at")
    .update({ revoked_at: trx.fn.now(), revoked_reason: reason })
    .returning("id");
  return rows.map((r: { id: string }) => r.id);
}
