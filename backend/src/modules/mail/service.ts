import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";

export interface OutgoingEmail {
  to: string;
  template: "verify_email" | "reset_password" | "festival_invitation" | "account_exists" | "waitlist_confirmation";
  subject: string;
  body: string;
  data?: Record<string, unknown>;
}

/**
 * There is no mail server: outgoing mail is queued as a row in the caller's transaction
 * (so a rolled-back sign-up sends nothing). A sender job delivers and sets sent_at; tests
 * read the row. The row holds the clear token the recipient needs: it is the mail itself.
 */
export async function queueEmail(trx: Knex | Knex.Transaction, mail: OutgoingEmail): Promise<void> {
  await trx("outbound_emails").insert({
    id: newId(),
    to_address: mail.to,
    template: mail.template,
    subject: mail.subject,
    body: mail.body,
    data: JSON.stringify(mail.data ?? {}),
  });
}
