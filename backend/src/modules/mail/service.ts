import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { OutboundEmail, type EmailTemplate } from "./models.js";

export interface OutgoingEmail {
  to: string;
  template: EmailTemplate;
  subject: string;
  body: string;
  data?: Record<string, unknown>;
}

export const SEND_EMAIL_TASK = "send_email";

/**
 * Queues a mail in the caller's transaction: the outbound_emails row (the mail itself, with
 * the clear token the recipient needs) and its send_email job (graphile-worker, in Postgres),
 * so a rolled-back sign-up sends nothing and a committed one is delivered (mail/jobs.ts).
 */
export async function queueEmail(trx: Knex | Knex.Transaction, mail: OutgoingEmail): Promise<void> {
  if (!("isTransaction" in trx && trx.isTransaction)) return trx.transaction((t) => queueEmail(t, mail));
  const id = newId();
  await OutboundEmail.query(trx).insert({ id, to_address: mail.to, template: mail.template, subject: mail.subject, body: mail.body, data: mail.data ?? {} });
  await trx.raw("select graphile_worker.add_job(?, json_build_object('emailId', ?::text), job_key => ?, max_attempts => 10)", [
    SEND_EMAIL_TASK,
    id,
    `${SEND_EMAIL_TASK}:${id}`,
  ]);
}
