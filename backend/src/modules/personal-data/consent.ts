import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";

export const PURPOSES = ["ESSENTIAL", "MARKETING", "ANALYTICS", "PERSONALIZATION", "THIRD_PARTY_SHARING"] as const;
export type Purpose = (typeof PURPOSES)[number];
export const CHANNELS = ["web", "mobile", "api", "email", "in_person", "request"] as const;
export type Channel = (typeof CHANNELS)[number];

export interface ConsentRecordRow {
  id: string;
  user_id: string;
  purpose: Purpose;
  granted: boolean;
  policy_version: string;
  channel: Channel;
  ip: string | null;
  user_agent: string | null;
  created_at: Date;
}

export function consentDto(r: ConsentRecordRow) {
  return {
    id: r.id,
    purpose: r.purpose,
    granted: r.granted,
    policyVersion: r.policy_version,
    channel: r.channel,
    ip: r.ip,
    userAgent: r.user_agent,
    at: r.created_at.toISOString(),
  };
}

/**
 * Records a grant or a withdrawal (one append-only row each, with the policy version, channel,
 * IP and user agent) and its audit row. ESSENTIAL processing is what the service needs to run
 * at all: it cannot be withdrawn, only recorded as acknowledged.
 */
export async function recordConsent(
  db: Knex | Knex.Transaction,
  ctx: AuditContext,
  userId: string,
  c: { purpose: Purpose; granted: boolean; policyVersion: string; channel: Channel },
): Promise<ConsentRecordRow> {
  const write = async (trx: Knex.Transaction) => {
    const [row] = await trx("consent_records")
      .insert({
        id: newId(),
        user_id: userId,
        purpose: c.purpose,
        granted: c.granted,
        policy_version: c.policyVersion,
        channel: c.channel,
        ip: ctx.ip,
        user_agent: ctx.userAgent,
      })
      .returning("*");
    await recordAudit(trx, ctx, {
      action: c.granted ? "consent.granted" : "consent.withdrawn",
      entityType: "user",
      entityId: userId,
      after: { purpose: c.purpose, policyVersion: c.policyVersion, channel: c.channel },
    });
    return row as ConsentRecordRow;
  };
  return "isTransaction" in db && db.isTransaction ? write(db as Knex.Transaction) : (db as Knex).transaction(write);
}

/** The latest record of each purpose the user ever answered. */
export async function currentConsents(db: Knex | Knex.Transaction, userId: string): Promise<ConsentRecordRow[]> {
  return db("consent_records")
    .distinctOn("purpose")
    .where("user_id", userId)
    .orderBy([{ column: "purpose" }, { column: "created_at", order: "desc" }, { column: "id", order: "desc" }]);
}

/** Whether the user's latest answer for the purpose is a grant. ESSENTIAL always holds. */
export async function hasConsent(db: Knex | Knex.Transaction, userId: string, purpose: Purpose): Promise<boolean> {
  if (purpose === "ESSENTIAL") return true;
  const row = await db("consent_records")
    .where({ user_id: userId, purpose })
    .orderBy([
      { column: "created_at", order: "desc" },
      { column: "id", order: "desc" },
    ])
    .first("granted");
  return row?.granted === true;
}

/** Of these users, the ones whose latest answer for the purpose is a grant. */
export async function usersConsenting(db: Knex | Knex.Transaction, userIds: string[] | null, purpose: Purpose): Promise<string[]> {
  const { rows } = await db.raw<{ rows: Array<{ user_id: string }> }>(
    `select user_id from (
       select distinct on (user_id) user_id, granted from consent_records
        where purpose = ? ${userIds ? "and user_id = any(?)" : ""}
        order by user_id, created_at desc, id desc) latest
      where granted`,
    userIds ? [purpose, userIds] : [purpose],
  );
  return rows.map((r) => r.user_id);
}
