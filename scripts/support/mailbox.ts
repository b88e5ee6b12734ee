import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/** An .eml file's text with quoted-printable soft line breaks and escapes undone. */
export function emlText(raw: string): string {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Waits for the newest mail to `to` that the file transport (no SMTP_URL) writes into `dir`,
 * and returns its text: what the recipient would read.
 */
export async function waitForMail(dir: string, to: string, timeoutMs = 30_000): Promise<string> {
  const header = new RegExp(`^To: ${to.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "mi");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(dir)) {
      const texts = readdirSync(dir)
        .filter((f) => f.endsWith(".eml"))
        .sort()
        .reverse() // ids are UUIDv7: newest first
        .map((f) => emlText(readFileSync(path.join(dir, f), "utf8")));
      const mail = texts.find((t) => header.test(t));
      if (mail) return mail;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} arrived in ${dir} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The token of the mail's link (`...?token=...`). */
export function linkToken(mail: string): string {
  const match = mail.match(/\?token=([A-Za-z0-9_%-]+)/);
  if (!match) throw new Error(`the mail has no link with a token:\n${mail}`);
  return decodeURIComponent(match[1]!);
}
