import { AuditedModel } from "../audit/audited-model.js";

/** One email on a sold-out event's waitlist: pending until the email's owner confirms it. */
export class WaitlistEntry extends AuditedModel {
  static override tableName = "waitlist_entries";
  declare event_id: string;
  declare email: string;
  declare user_id: string | null;
  declare status: "pending" | "confirmed" | "cancelled";
  declare confirmed_at: Date | null;
  declare cancelled_at: Date | null;
  /** sha-256 of the mailed token, only while pending */
  declare confirmation_token_hash: string | null;
  declare confirmation_expires_at: Date | null;
}

export function waitlistEntryDto(r: WaitlistEntry) {
  return {
    id: r.id,
    eventId: r.event_id,
    email: r.email,
    userId: r.user_id,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    confirmedAt: r.confirmed_at?.toISOString() ?? null,
    cancelledAt: r.cancelled_at?.toISOString() ?? null,
  };
}
