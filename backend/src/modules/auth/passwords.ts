import argon2 from "argon2";
import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
import { unauthorized } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { randomToken } from "../../security/tokens.js";
import type { AuditContext } from "../../http/audit-context.js";
import { asUser, recordAudit } from "../audit/service.js";
import { UserPassword } from "./models.js";
import { openSession, type SessionDeps, type SessionTokens } from "./sessions.js";

// OWASP: argon2id, 19 MiB, 2 iterations, 1 lane (the library default is stronger and slower).
const ARGON2 = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
// A real hash of a random password: unknown emails cost the same time as wrong passwords.
const DUMMY_HASH = argon2.hash(randomToken(16), ARGON2);

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2);
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

export function passwordAccount(db: Knex | Knex.Transaction, email: string) {
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
