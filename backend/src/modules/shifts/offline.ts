import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import type { SnapshotSigner } from "../gate/keys.js";
import { EARLY_CHECK_IN_MINUTES } from "./models.js";

/**
 * Offline shift kiosks, on the gate's signed-snapshot idea:
 *
 * 1. A kiosk (a lead or manager, online) downloads a snapshot of the edition's sign-ups that can
 *    be checked in within the next `hours`: per member, the SHA-256 of their badge's QR payload
 *    (the kiosk matches a scanned badge by its hash: it never holds the badge key) and their
 *    sign-ups. JSON, base64url as `data`, signed Ed25519 with the gate's snapshot key
 *    (GATE_OFFLINE_SIGNING_KEY), so a device verifies exactly the signed bytes.
 * 2. Offline, it checks people in against the snapshot and keeps the scans.
 * 3. Back online it uploads them: each becomes the sign-up's check-in at its scan time, if the
 *    scan time lies in the check-in window; one already checked in answers already_checked_in,
 *    so an upload sent twice changes nothing.
 */
export interface KioskSnapshot {
  v: 1;
  editionId: string;
  issuedAt: string;
  validUntil: string;
  earlyCheckInMinutes: number;
  /** [badge hash, member id, badge number, [[signup id, shift id, starts at, ends at], ...]] */
  members: Array<[string, string, string, Array<[string, string, string, string]>]>;
}

export const badgeHash = (badgeQr: string) => createHash("sha256").update(badgeQr).digest("base64url");

export async function buildKioskSnapshot(db: Knex, signer: SnapshotSigner, badges: { encode(memberId: string): string }, editionId: string, hours = 12) {
  const now = new Date();
  const until = new Date(now.getTime() + hours * 3600_000);
  const rows: Array<{ id: string; shift_id: string; member_id: string; starts_at: Date; ends_at: Date; badge_number: string }> = await db("shift_signups as su")
    .join("staff_member_directory as m", "m.id", "su.member_id")
    .where({ "su.edition_id": editionId, "m.status": "active" })
    .whereIn("su.status", ["SCHEDULED", "CONFIRMED", "NO_SHOW"])
    .where("su.ends_at", ">", now)
    .where("su.starts_at", "<", until)
    .orderBy([{ column: "su.member_id" }, { column: "su.starts_at" }])
    .select("su.id", "su.shift_id", "su.member_id", "su.starts_at", "su.ends_at", "m.badge_number");
  const byMember = new Map<string, KioskSnapshot["members"][number]>();
  for (const r of rows) {
    let entry = byMember.get(r.member_id);
    if (!entry) {
      entry = [badgeHash(badges.encode(r.member_id)), r.member_id, r.badge_number, []];
      byMember.set(r.member_id, entry);
    }
    entry[3].push([r.id, r.shift_id, r.starts_at.toISOString(), r.ends_at.toISOString()]);
  }
  const snapshot: KioskSnapshot = {
    v: 1,
    editionId,
    issuedAt: now.toISOString(),
    validUntil: until.toISOString(),
    earlyCheckInMinutes: EARLY_CHECK_IN_MINUTES,
    members: [...byMember.values()],
  };
  const data = Buffer.from(JSON.stringify(snapshot));
  return { algorithm: "Ed25519" as const, publicKey: signer.publicKey, data: data.toString("base64url"), signature: signer.sign(data) };
}

export type OfflineResult = "checked_in" | "already_checked_in" | "refused";

/** Applies a kiosk's offline scans (sign-up ids and scan times); see the module comment. */
export async function uploadOfflineCheckIns(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  editionId: string,
  body: { deviceId: string; scans: Array<{ signupId: string; scannedAt: string }> },
) {
  const results: Array<{ signupId: string; result: OfflineResult }> = [];
  for (const scan of body.scans) {
    const result = await db
      .transaction(async (trx): Promise<OfflineResult> => {
        const { rows } = await trx.raw<{ rows: Array<{ id: string }> }>(
          `update shift_signups set status = 'IN_PROGRESS', checked_in_at = ?, checked_in_by = ?, check_in_source = 'offline', no_show_at = null
          where id = ? and edition_id = ? and status in ('SCHEDULED', 'CONFIRMED', 'NO_SHOW')
            and starts_at - make_interval(mins => ?) <= ?::timestamptz and ends_at > ?::timestamptz
          returning id`,
          [scan.scannedAt, principal.userId, scan.signupId, editionId, EARLY_CHECK_IN_MINUTES, scan.scannedAt, scan.scannedAt],
        );
        if (rows[0]) {
          await recordAudit(trx, ctx, {
            action: "shift_signup.checked_in",
            entityType: "shift_signup",
            entityId: scan.signupId,
            after: { source: "offline", deviceId: body.deviceId, scannedAt: scan.scannedAt },
          });
          return "checked_in";
        }
        const current = await trx("shift_signups").where({ id: scan.signupId, edition_id: editionId }).first("status");
        return current && ["IN_PROGRESS", "COMPLETED"].includes(current.status) ? "already_checked_in" : "refused";
      })
      .catch((error) => {
        // the place went to someone else after a no-show, or an overlap: refused, the rest goes on
        if (["23514", "23P01"].includes((error as { code?: string }).code ?? "")) return "refused" as const;
        throw error;
      });
    results.push({ signupId: scan.signupId, result });
  }
  return { deviceId: body.deviceId, results };
}
