import argon2 from "argon2";
import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
import { newId } from "../../../../lib/ids.js";
import { unauthorized } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { asUser, recordAudit } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { accountIdByEmail, createEmailAccount, markEmailVerified } from "../users/accounts.js";
import { EmailToken, UserPassword, type EmailTokenPurpose } from "./models.js";
import { openSession, revokeUserSessions, type SessionDeps, type SessionTokens } from "./sessions.js";

// OWASP: argon2id, 19 MiB, 2 iterations, 1 lane (the library default is stronger and slower).
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const VERIFY_EMAIL_TTL_MS = 48 * 3600_000;
const RESET_PASSWORD_TTL_MS = 3600_000;
// A real hash of a random password: unknown emails cost the same time as wrong passwords.
const DUMMY_HASH = argon2.hash(randomToken(16), ARGON2);

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2);
}

/**
 * Email + password sign-up (staff without a wallet). Answers the same whether or not the
 * email has an account (no enumeration): a new address gets the verification mail; the
 * owner of an existing one gets a mail saying someone tried, and nothing else changes.
 */
export async function register(db: Knex, ctx: AuditContext, input: { email: string; password: string; displayName?: string }): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (trx) => {
    const existing = await accountIdByEmail(trx, input.email);
    if (existing) {
      await queueEmail(trx, {
        to: input.email,
        template: "account_exists",
        subject: "Someone tried to create an account with your email address",
        body: "An account with this email address already exists. If that was you, sign in, or reset your password if you forgot it. If not, you can ignore this mail.",
      });
      await recordAudit(trx, ctx, { action: "user.registration_repeated", entityType: "user", entityId: existing });
      return;
    }
    const userId = await createEmailAccount(trx, { email: input.email, displayName: input.displayName, emailVerified: false });
    await UserPassword.query(trx).insert({ user_id: userId, password_hash: passwordHash, created_by: userId, updated_by: userId });
    await sendEmailToken(trx, userId, input.email, "verify_email");
    await recordAudit(trx, asUser(ctx, userId), {
      action: "user.registered",
      entityType: "user",
      entityId: userId,
      after: { email: input.email, displayName: input.displayName ?? null },
    });
  });
}

/**
 * An account an operator creates (the admin CLI): the operator vouches for the email, so it
 * is verified at once and no mail goes out. The audit row names the operator's context.
 */
export async function createVerifiedAccount(db: Knex, ctx: AuditContext, input: { email: string; password: string; displayName?: string }) {
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (trx) => {
    if (await accountIdByEmail(trx, input.email)) throw new HttpError(409, "email_taken", "an account with this email already exists");
    const userId = await createEmailAccount(trx, { email: input.email, displayName: input.displayName, emailVerified: true, createdBy: ctx.actorUserId });
    await UserPassword.query(trx).insert({ user_id: userId, password_hash: passwordHash, created_by: ctx.actorUserId, updated_by: ctx.actorUserId });
    await recordAudit(trx, ctx, {
      action: "user.created",
      entityType: "user",
      entityId: userId,
      after: { email: input.email, displayName: input.displayName ?? null, emailVerified: true },
    });
    return { userId };
  });
}

async function sendEmailToken(trx: Knex.Transaction, userId: string, email: string, purpose: EmailTokenPurpose): Promise<void> {
  const token = randomToken(32);
  const ttl = purpose === "verify_email" ? VERIFY_EMAIL_TTL_MS : RESET_PASSWORD_TTL_MS;
  await EmailToken.query(trx).insert({ id: newId(), user_id: userId, purpose, token_hash: sha256Hex(token), expires_at: new Date(Date.now() + ttl) });
  await queueEmail(trx, {
    to: email,
    template: purpose,
    subject: purpose === "verify_email" ? "Confirm your email address" : "Reset your password",
    body: `Your ${purpose === "verify_email" ? "verification" : "password reset"} code: ${token}`,
    data: { token },
  });
}

/** Spends an email token atomically (single use, unexpired); returns its user. */
async function consumeEmailToken(trx: Knex.Transaction, token: string, purpose: EmailTokenPurpose): Promise<string> {
  const rows = await EmailToken.query(trx)
    .where({ token_hash: sha256Hex(token), purpose })
    .whereNull("consumed_at")
    .where("expires_at", ">", trx.fn.now())
    .patch({ consumed_at: trx.fn.now() })
    .returning("user_id");
  if (rows.length !== 1)
    throw new HttpError(400, "invalid_token", "the token is invalid, expired or already used", [
      { field: "body.token", message: "invalid, expired or already used" },
    ]);
  return rows[0]!.user_id;
}

export async function verifyEmail(db: Knex, ctx: AuditContext, token: string): Promise<void> {
  await db.transaction(async (trx) => {
    const userId = await consumeEmailToken(trx, token, "verify_email");
    await markEmailVerified(trx, userId);
    await recordAudit(trx, asUser(ctx, userId), { action: "user.email_verified", entityType: "user", entityId: userId });
  });
}

/** Always answers the same (no account enumeration); mails a reset token when the account exists. */
export async function requestPasswordReset(db: Knex, ctx: AuditContext, email: string): Promise<void> {
  await db.transaction(async (trx) => {
    const user = await passwordAccount(trx, email);
    if (!user) return;
    await sendEmailToken(trx, user.user_id, user.email, "reset_password");
    await recordAudit(trx, asUser(ctx, user.user_id), { action: "user.password_reset_requested", entityType: "user", entityId: user.user_id });
  });
}

/** Sets a new password, lifts a lockout, and revokes every session (whoever had them). */
export async function resetPassword(db: Knex, ctx: AuditContext, token: string, password: string): Promise<string[]> {
  const passwordHash = await hashPassword(password);
  return db.transaction(async (trx) => {
    const userId = await consumeEmailToken(trx, token, "reset_password");
    await UserPassword.query(trx)
      .findById(userId)
      .patch({ password_hash: passwordHash, failed_attempts: 0, locked_until: null, password_changed_at: trx.fn.now(), updated_by: userId });
    const revoked = await revokeUserSessions(trx, userId, "password_reset");
    await recordAudit(trx, asUser(ctx, userId), {
      action: "user.password_reset",
      entityType: "user",
      entityId: userId,
      after: { revokedSessions: revoked.length },
    });
    return revoked;
  });
}

/**
 * Email + password sign-in with lockout: after `lockoutThreshold` consecutive failures the
 * account refuses every attempt (even a right password) for `lockoutSeconds`. Each failure
 * and each lockout is audited; the answer to a wrong email and a wrong password is the same.
 */
export async function signInWithPassword(db: Knex, deps: SessionDeps, ctx: AuditContext, email: string, password: string): Promise<SessionTokens> {
  const { lockoutThreshold, lockoutSeconds } = deps.config.auth;
  const wrong = () => unauthorized("invalid_credentials", "wrong email or password");
  const row = await passwordAccount(db, email);
  // Every attempt pays one argon2 verification, known email or not, locked or not.
  const ok = await argon2.verify(row?.password_hash ?? (await DUMMY_HASH), password);
  if (!row) {
    const until = unknownEmailFailures.fail(email, lockoutThreshold, lockoutSeconds);
    throw until ? locked(until) : wrong();
  }
  if (row.locked_until && row.locked_until > new Date()) throw locked(row.locked_until);

  const outcome = await db.transaction(async (trx) => {
    // Re-read under lock: concurrent guesses must all count.
    const current = await UserPassword.query(trx).findById(row.user_id).forUpdate().select("failed_attempts", "locked_until");
    if (!current) return { kind: "wrong" as const }; // the password was removed meanwhile
    if (current.locked_until && current.locked_until > new Date()) return { kind: "locked" as const, until: current.locked_until };
    const actor = asUser(ctx, row.user_id);
    if (!ok) {
      const attempts = current.failed_attempts + 1;
      if (attempts >= lockoutThreshold) {
        const until = new Date(Date.now() + lockoutSeconds * 1000);
        await UserPassword.query(trx).findById(row.user_id).patch({ failed_attempts: 0, locked_until: until });
        await recordAudit(trx, actor, { action: "user.locked_out", entityType: "user", entityId: row.user_id, after: { until, attempts } });
        return { kind: "locked" as const, until };
      }
      await UserPassword.query(trx).findById(row.user_id).patch({ failed_attempts: attempts });
      await recordAudit(trx, actor, { action: "user.sign_in_failed", entityType: "user", entityId: row.user_id, after: { attempts } });
      return { kind: "wrong" as const };
    }
    if (row.status !== "active") return { kind: "wrong" as const };
    if (!row.email_verified_at) return { kind: "unverified" as const };
    if (current.failed_attempts > 0 || current.locked_until) {
      await UserPassword.query(trx).findById(row.user_id).patch({ failed_attempts: 0, locked_until: null });
    }
    return { kind: "ok" as const, tokens: await openSession(trx, deps, ctx, row.user_id, "password") };
  });
  if (outcome.kind === "ok") return outcome.tokens;
  if (outcome.kind === "locked") throw locked(outcome.until);
  if (outcome.kind === "unverified") throw new HttpError(403, "email_not_verified", "confirm your email address first");
  throw wrong();
}

/** Whether a user has a password (a way to sign in besides their wallets), in the caller's transaction. */
export async function hasPassword(trx: Knex.Transaction, userId: string): Promise<boolean> {
  return (await UserPassword.query(trx).findById(userId).select("user_id")) !== undefined;
}

/**
 * The live account with this email and a password: its password state with the account's
 * state from the view the users module publishes, in one statement.
 */
interface PasswordAccount {
  user_id: string;
  password_hash: string;
  locked_until: Date | null;
  email: string;
  status: string;
  email_verified_at: Date | null;
}

function passwordAccount(db: Knex | Knex.Transaction, email: string) {
  return UserPassword.query(db)
    .join("user_accounts as a", "a.id", "user_passwords.user_id")
    .where("a.email", email)
    .whereNull("a.deleted_at")
    .first()
    .select("user_passwords.user_id", "user_passwords.password_hash", "user_passwords.locked_until", "a.email", "a.status", "a.email_verified_at")
    .castTo<PasswordAccount | undefined>();
}

/**
 * Failed sign-ins of emails without an account, counted like an account's so the lockout
 * does not tell which emails exist. In memory (one API process) and bounded: evicting an
 * entry only forgets some guesses at an address nobody owns.
 */
const unknownEmailFailures = {
  cache: new LRUCache<string, { attempts: number; lockedUntil: Date | null }>({ max: 10_000 }),
  /** Counts one failure; the lock's end when the address is (or now becomes) locked. */
  fail(email: string, threshold: number, lockoutSeconds: number): Date | null {
    const now = new Date();
    const entry = this.cache.get(email) ?? { attempts: 0, lockedUntil: null };
    if (entry.lockedUntil && entry.lockedUntil > now) return entry.lockedUntil;
    entry.attempts += 1;
    entry.lockedUntil = null;
    if (entry.attempts >= threshold) {
      entry.attempts = 0;
      entry.lockedUntil = new Date(now.getTime() + lockoutSeconds * 1000);
    }
    this.cache.set(email, entry);
    return entry.lockedUntil;
  },
};

function locked(until: Date): HttpError {
  const retryAfter = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new HttpError(429, "account_locked", `too many failed attempts; try again in ${retryAfter} s`, undefined, { retryAfterSeconds: retryAfter });
}
