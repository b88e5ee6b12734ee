import type { Verdict } from "./verdicts.js";

/**
 * The gate's ticket rules, written once. A rule is a TypeScript predicate and its SQL twin side
 * by side: the online scan's general path and the offline device use `decideTicket`, the
 * plain-entrance admission statement (entrance-statement.ts) embeds `ticketDecisionSql`;
 * admission-policy.test.ts checks that both agree on every combination of facts. The rules
 * that depend on the zone (presence, pass nonce reuse, capacity) are the general path's
 * (scan.ts); the pass checks before these (signature, expiry, event, zone) are pass-checks.ts.
 *
 * In order, the first rule that holds decides; none holding is "ok" (the ticket may enter).
 */
export interface TicketFacts {
  owner: string | null;
  burned: boolean;
  /** none | refundable (event cancelled) | refunded */
  refundState: string;
  cancelled: boolean;
  /** Checked in already: on-chain (online); in the snapshot or on this device (offline). */
  checkedIn: boolean;
  /** The scan that made the ticket's gate check-in, if it has one. */
  checkIn: ScanIdentity | null;
}

/** What identifies one scan sent again: the same pass (nonce) from the same scanner, device and zone. */
export interface ScanIdentity {
  passNonce: string;
  scannerUserId: string | null;
  zoneId: string | null;
  deviceId: string | null;
}

export interface ScanFacts extends ScanIdentity {
  /** The lowercase holder the pass names. */
  holder: string;
  /** Entering an entrance without re-entry: a ticket enters such a zone once. */
  singleEntry: boolean;
}

/** "retry": this very scan already admitted the ticket (its answer was lost): answer "admitted" again, change nothing. */
export type TicketDecision = "ok" | "retry" | Extract<Verdict, "unknown_ticket" | "refunded" | "not_holder" | "cancelled" | "already_admitted">;

export function sameScan(a: ScanIdentity, b: ScanIdentity): boolean {
  return a.passNonce === b.passNonce && a.scannerUserId === b.scannerUserId && a.zoneId === b.zoneId && a.deviceId === b.deviceId;
}

/** SQL expressions (column references or literals) for the facts of one row. */
export interface FactColumns {
  owner: string;
  burned: string;
  refundState: string;
  cancelled: string;
  checkedIn: string;
  /** A column that is null when the ticket has no gate check-in. */
  checkInId: string;
  checkIn: SqlScanIdentity;
  scan: SqlScanIdentity;
  holder: string;
  singleEntry: string;
}

export type SqlScanIdentity = Record<keyof ScanIdentity, string>;

export function sameScanSql(a: SqlScanIdentity, b: SqlScanIdentity): string {
  return `(${a.passNonce} = ${b.passNonce} and ${a.scannerUserId} = ${b.scannerUserId} and ${a.zoneId} = ${b.zoneId} and ${a.deviceId} is not distinct from ${b.deviceId})`;
}

interface Rule {
  decision: Exclude<TicketDecision, "ok" | "unknown_ticket">;
  holds(t: TicketFacts, s: ScanFacts): boolean;
  sql(c: FactColumns): string;
}

const RULES: readonly Rule[] = [
  {
    decision: "refunded",
    holds: (t) => t.burned || t.refundState === "refunded",
    sql: (c) => `${c.burned} or ${c.refundState} = 'refunded'`,
  },
  {
    decision: "not_holder",
    holds: (t, s) => t.owner !== s.holder,
    sql: (c) => `${c.owner} is distinct from ${c.holder}`,
  },
  {
    decision: "cancelled",
    holds: (t) => t.cancelled || t.refundState === "refundable",
    sql: (c) => `${c.cancelled} or ${c.refundState} = 'refundable'`,
  },
  {
    decision: "retry",
    holds: (t, s) => s.singleEntry && t.checkIn !== null && sameScan(t.checkIn, s),
    sql: (c) => `${c.singleEntry} and ${c.checkInId} is not null and ${sameScanSql(c.checkIn, c.scan)}`,
  },
  {
    decision: "already_admitted",
    holds: (t, s) => s.singleEntry && (t.checkedIn || t.checkIn !== null),
    sql: (c) => `${c.singleEntry} and (${c.checkedIn} or ${c.checkInId} is not null)`,
  },
];

/** The decision for a ticket (null: no such ticket). */
export function decideTicket(ticket: TicketFacts | null, scan: ScanFacts): TicketDecision {
  if (!ticket) return "unknown_ticket";
  for (const rule of RULES) if (rule.holds(ticket, scan)) return rule.decision;
  return "ok";
}

/** The same decision as one SQL expression over a row that exists (wrap it in coalesce(..., 'unknown_ticket') for a missing one). */
export function ticketDecisionSql(c: FactColumns): string {
  return `case ${RULES.map((r) => `when ${r.sql(c)} then '${r.decision}'`).join(" ")} else 'ok' end`;
}
