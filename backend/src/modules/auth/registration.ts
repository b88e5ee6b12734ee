import type { Knex } from "knex";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { asUser, recordAudit } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { accountIdByEmail, createEmailAccount, markEmailVerified } from "../users/accounts.js";
import { consumeEmailToken, sendEmailToken } from "./email-tokens.js";
import { UserPassword } from "./models.js";
import { hashPassword } from "./passwords.js";

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

export async function verifyEmail(db: Knex, ctx: AuditContext, token: string): Promise<void> {
  await db.transaction(async (trx) => {
    const userId = await consumeEmailToken(trx, token, "verify_email");
    await markEmailVerified(trx, userId);
    await recordAudit(trx, asUser(ctx, userId), { action: "user.email_verified", entityType: "user", entityId: userId });
  });
}
