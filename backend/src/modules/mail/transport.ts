import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import type { Logger } from "pino";

/** One message as the mail job hands it to a transport. */
export interface MailMessage {
  /** outbound_emails.id: also the Message-ID, so a receiver can drop a duplicate. */
  id: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The action the mail asks for (verify, reset, accept), for the file transport's log line. */
  link?: string;
}

export interface MailTransport {
  readonly kind: "smtp" | "file";
  send(message: MailMessage): Promise<void>;
  close(): void;
}

const headers = (m: MailMessage) => ({ from: m.from, to: m.to, subject: m.subject, text: m.text, messageId: `<${m.id}@festival.mail>` });

/** Real delivery: nodemailer's SMTP transport on SMTP_URL (smtp:// or smtps://user:pass@host:port). */
export function smtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    kind: "smtp",
    async send(message) {
      await transporter.sendMail(headers(message));
    },
    close: () => transporter.close(),
  };
}

/**
 * The built-in test-mode provider (no SMTP_URL): each message becomes `<dir>/<id>.eml`, the
 * exact RFC 5322 bytes SMTP would carry, and one log line names the file and the link.
 */
export function fileTransport(dir: string, log?: Logger): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return {
    kind: "file",
    async send(message) {
      const info = await transporter.sendMail(headers(message));
      await mkdir(dir, { recursive: true });
      const file = path.join(dir, `${message.id}.eml`);
      await writeFile(file, info.message as Buffer);
      log?.info({ to: message.to, file, link: message.link }, `mail "${message.subject}" to ${message.to}: ${message.link ?? file}`);
    },
    close: () => transporter.close(),
  };
}

export function mailTransport(config: { smtpUrl?: string; dir: string }, log?: Logger): MailTransport {
  return config.smtpUrl ? smtpTransport(config.smtpUrl) : fileTransport(path.resolve(config.dir), log);
}
