/**
 * The answers of a scan: stable reason codes (the scanner app switches on them) and what the
 * steward reads. The order in which they are checked is in scan.ts; the ticket's own rules
 * are admission-policy.ts.
 *
 *   malformed_pass    the QR is not a festival pass
 *   bad_signature     not signed by the holder it names (or, for a platform pass, by the platform key)
 *   expired_pass      validUntil is in the past; validity_too_long: more than 60 s ahead
 *   wrong_event       the pass is for another ticket contract / chain than this zone's event
 *   wrong_zone        the ticket's tier may not enter this area
 *   unknown_ticket    no such ticket (mirror, or the chain when the mirror lags)
 *   refunded          the ticket was refunded (burned)
 *   not_holder        the pass names someone who no longer holds the ticket (e.g. transferred)
 *   cancelled         the event is cancelled
 *   already_admitted  the ticket already entered (entrance without re-entry, or already inside)
 *   replayed_pass     this pass (nonce) already admitted once where re-entry is possible
 *   zone_full         the zone is at capacity
 *   not_inside        exit scan of a ticket that is not inside
 *   admitted / exited the happy paths
 */
export type Verdict =
  | "admitted"
  | "exited"
  | "already_admitted"
  | "not_inside"
  | "malformed_pass"
  | "bad_signature"
  | "expired_pass"
  | "validity_too_long"
  | "wrong_event"
  | "wrong_zone"
  | "unknown_ticket"
  | "refunded"
  | "not_holder"
  | "cancelled"
  | "replayed_pass"
  | "zone_full";

export const VERDICTS: readonly Verdict[] = [
  "admitted",
  "exited",
  "already_admitted",
  "not_inside",
  "malformed_pass",
  "bad_signature",
  "expired_pass",
  "validity_too_long",
  "wrong_event",
  "wrong_zone",
  "unknown_ticket",
  "refunded",
  "not_holder",
  "cancelled",
  "replayed_pass",
  "zone_full",
];

export const VERDICT_MESSAGES: Record<Verdict, string> = {
  admitted: "Admit.",
  exited: "Exit recorded.",
  already_admitted: "Refuse: this ticket has already entered.",
  not_inside: "This ticket is not inside this zone.",
  malformed_pass: "Refuse: this is not a festival pass.",
  bad_signature: "Refuse: the pass signature is not valid (forged or altered).",
  expired_pass: "Refuse: the pass has expired; ask for a fresh QR code.",
  validity_too_long: "Refuse: the pass claims a validity longer than 60 seconds.",
  wrong_event: "Refuse: this pass is for another event.",
  wrong_zone: "Refuse: this ticket category may not enter this zone.",
  unknown_ticket: "Refuse: no such ticket.",
  refunded: "Refuse: this ticket was refunded.",
  not_holder: "Refuse: the pass was signed by someone who no longer holds this ticket.",
  cancelled: "Refuse: the event is cancelled.",
  replayed_pass: "Refuse: this pass was already used; ask for a fresh QR code.",
  zone_full: "Refuse for now: the zone is full.",
};

export interface ScanResult {
  verdict: Verdict;
  admitted: boolean;
  message: string;
  ownership: "mirror" | "chain" | "mirror_stale" | null;
  zone: { id: string; code: string; name: string; occupancy: number | null; capacity: number | null };
  ticket: {
    contract: string;
    tokenId: string;
    tierId: number;
    category: string | null;
    holder: string;
    holderDisplayName: string | null;
  } | null;
  scannedAt: string;
}
