import type { Knex } from "knex";
import type { AuditContext } from "../../http/audit-context.js";
import { asUser, recordAudit } from "../audit/service.js";
import { consumeEmailToken, sendEmailToken } from "./email-tokens.js";
import { UserPassword } from "./models.js";
import { hashPassword, passwordAccount } from "./passwords.js";
import { revokeUserSessions } from "./sessions.js";

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
