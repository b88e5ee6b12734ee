export type WaitlistEntryRow = {
  id: string;
  event_id: string;
  email: string;
  user_id: string | null;
  status: "pending" | "confirmed" | "cancelled";
  created_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
  confirmation_token_hash: string | null;
  confirmation_expires_at: Date | null;
};

export function waitlistEntryDto(r: WaitlistEntryRow) {
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
