import type { Knex } from "knex";
import type { Config } from "../../../../lib/config.js";
import { newId } from "../../../../lib/ids.js";
import { unauthorized } from "../../http/auth.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { recordSignIn } from "../users/accounts.js";
import type { AccessTokens } from "./access-tokens.js";
import { AuthSession, RefreshToken, type SessionRevokedReason, type SignInMethod } from "./models.js";

export type { SignInMethod };

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
  await AuthSession.query(trx).insert({
    id: sessionId,
    user_id: userId,
    method,
    ip: ctx.ip,
    user_agent: ctx.userAgent,
    expires_at: expiresAt,
  });
  await recordSignIn(trx, userId);
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
  await RefreshToken.query(trx).insert({ id: newId(), session_id: sessionId, token_hash: sha256Hex(token), expires_at: expiresAt });
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

interface RefreshRow {
  id: string;
  rotated_at: Date | null;
  expires_at: Date;
  session_id: string;
  user_id: string;
  revoked_at: Date | null;
  session_expires_at: Date;
  status: string;
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
    // the account's state comes from the view the users module publishes (one statement, as before)
    const row = await RefreshToken.query(trx)
      .alias("rt")
      .join("auth_sessions as s", "s.id", "rt.session_id")
      .join("user_accounts as a", "a.id", "s.user_id")
      .where("rt.token_hash", sha256Hex(refreshToken))
      .forUpdate()
      .first()
      .select("rt.id", "rt.rotated_at", "rt.expires_at", "s.id as session_id", "s.user_id", "s.revoked_at", "s.expires_at as session_expires_at", "a.status")
      .castTo<RefreshRow | undefined>();
    if (!row) return { kind: "invalid" as const };
    const actor = { ...ctx, actorType: "user" as const, actorUserId: row.user_id, actorApiKeyId: null };
    if (row.rotated_at) {
      if (!row.revoked_at) {
        await AuthSession.query(trx).findById(row.session_id).patch({ revoked_at: trx.fn.now(), revoked_reason: "refresh_token_reuse" });
        await recordAudit(trx, actor, {
          action: "session.revoked",
          entityType: "session",
          entityId: row.session_id,
          after: { reason: "refresh_token_reuse" },
        });
      }
      return { kind: "reused" as const, sessionId: row.session_id };
    }
    const now = new Date();
    if (row.revoked_at || row.expires_at <= now || row.session_expires_at <= now || row.status !== "active") return { kind: "invalid" as const };

    await RefreshToken.query(trx).findById(row.id).patch({ rotated_at: trx.fn.now() });
    await AuthSession.query(trx).findById(row.session_id).patch({ last_refreshed_at: trx.fn.now() });
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
export async function revokeSession(
  db: Knex,
  ctx: AuditContext,
  sessionId: string,
  reason: Exclude<SessionRevokedReason, "refresh_token_reuse">,
): Promise<void> {
  await db.transaction(async (trx) => {
    const updated = await AuthSession.query(trx).findById(sessionId).whereNull("revoked_at").patch({ revoked_at: trx.fn.now(), revoked_reason: reason });
    if (updated) await recordAudit(trx, ctx, { action: "session.revoked", entityType: "session", entityId: sessionId, after: { reason } });
  });
}

/** Revokes every open session of a user, in the caller's transaction; returns their ids. */
export async function revokeUserSessions(trx: Knex.Transaction, userId: string, reason: "password_reset" | "admin"): Promise<string[]> {
  const rows = await AuthSession.query(trx)
    .where({ user_id: userId })
    .whereNull("revoked_at")
    .patch({ revoked_at: trx.fn.now(), revoked_reason: reason })
    .returning("id");
  return rows.map((r) => r.id);
}
