import type { Knex } from "knex";
import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { SEND_EMAIL_TASK } from "./service.js";
import { OutboundEmail, type EmailTemplate } from "./models.js";
import type { MailTransport } from "./transport.js";

export interface MailSettings {
  from: string;
  /** The platform's public URL: links in mails point there. */
  baseUrl: string;
}

/** Where each mail's token is used; the web app's pages take it from the query string. */
const ACTION_PATHS: Partial<Record<EmailTemplate, string>> = {
  verify_email: "/verify-email",
  reset_password: "/reset-password",
  festival_invitation: "/invitations/accept",
};

/**
 * Delivers one queued mail, at most once per row: the row is locked for the send and marked
 * sent in the same transaction, so a retried or duplicated job finds sent_at set and sends
 * nothing. (A crash between the SMTP answer and the commit can still repeat one message;
 * its Message-ID is the row id, so the receiving side can tell.)
 */
export async function deliverEmail(db: Knex, transport: MailTransport, settings: MailSettings, emailId: string): Promise<"sent" | "already_sent" | "missing"> {
  return db.transaction(async (trx) => {
    const row = await OutboundEmail.query(trx).findById(emailId).forUpdate();
    if (!row) return "missing";
    if (row.sent_at) return "already_sent";
    const data = row.data ?? {};
    const actionPath = ACTION_PATHS[row.template];
    const link = data.link ?? (data.token && actionPath ? `${settings.baseUrl}${actionPath}?token=${encodeURIComponent(data.token)}` : undefined);
    await transport.send({
      id: row.id,
      from: settings.from,
      to: row.to_address,
      subject: row.subject,
      text: link ? `${row.body}\n\n${link}\n` : `${row.body}\n`,
      link,
    });
    await OutboundEmail.query(trx).findById(emailId).patch({ sent_at: trx.fn.now() });
    return "sent";
  });
}

export function mailTasks(db: Knex, transport: MailTransport, settings: MailSettings): TaskList {
  return {
    [SEND_EMAIL_TASK]: async (payload) => {
      await deliverEmail(db, transport, settings, (payload as { emailId: string }).emailId);
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

/** Starts the mail worker in this process (server.ts); `runner.stop()` on shutdown. */
export function startMailWorker(opts: { connectionString: string; db: Knex; transport: MailTransport; settings: MailSettings; log?: Pino }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(opts.log),
    taskList: mailTasks(opts.db, opts.transport, opts.settings),
  });
}

/** Runs every queued mail job to completion, then returns (tests, one-off scripts). */
export function runMailJobsOnce(opts: { connectionString: string; db: Knex; transport: MailTransport; settings: MailSettings }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: mailTasks(opts.db, opts.transport, opts.settings) });
}
