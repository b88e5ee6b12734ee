import type { Knex } from "knex";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { queueEmail } from "../mail/service.js";
import { usersConsenting } from "./consent.js";

/**
 * The platform's newsletter: mailed only to active accounts whose latest MARKETING answer is a
 * grant (a withdrawal takes effect for the next mailing; nobody who never answered is mailed).
 */
export async function sendMarketingMail(db: Knex, ctx: AuditContext, mail: { subject: string; body: string }) {
  return db.transaction(async (trx) => {
    const consenting = new Set(await usersConsenting(trx, null, "MARKETING"));
    const accounts: Array<{ id: string; email: string }> = await trx("user_accounts")
      .where("status", "active")
      .whereNull("deleted_at")
      .whereNotNull("email")
      .select("id", "email");
    let queued = 0;
    for (const a of accounts) {
      if (!consenting.has(a.id)) continue;
      await queueEmail(trx, {
        to: a.email,
        template: "marketing",
        subject: mail.subject,
        body: `${mail.body}\n\nYou get this because you agreed to marketing mail. Withdraw at any time in your privacy settings.`,
      });
      queued++;
    }
    const skipped = accounts.length - queued;
    await recordAudit(trx, ctx, {
      action: "marketing_mail.sent",
      entityType: "marketing_mail",
      entityId: null,
      after: { subject: mail.subject, queued, skipped },
    });
    return { queued, skippedWithoutConsent: skipped };
  });
}
