import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { HttpError } from "../../http/errors.js";
import { randomToken, sha256Hex } from "../../security/tokens.js";
import { queueEmail } from "../mail/service.js";
import { EmailToken, type EmailTokenPurpose } from "./models.js";

const VERIFY_EMAIL_TTL_MS = 48 * 3600_000;
const RESET_PASSWORD_TTL_MS = 3600_000;

/** Mails a single-use token (email verification or password reset) in the caller's transaction; only its sha-256 is kept. */
export async function sendEmailToken(trx: Knex.Transaction, userId: string, email: string, purpose: EmailTokenPurpose): Promise<void> {
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
export async function consumeEmailToken(trx: Knex.Transaction, token: string, purpose: EmailTokenPurpose): Promise<string> {
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
