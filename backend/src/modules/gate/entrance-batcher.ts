import type { Knex } from "knex";
import { ticketDecisionSql, sameScanSql, type SqlScanIdentity } from "./admission-policy.js";
import type { Verdict } from "./verdicts.js";

/**
 * The plain entrance's hot path (entrance without re-entry or capacity, mirror fresh) as one
 * statement: read the ticket's mirror row, decide it with the admission policy in SQL, insert
 * the check-in when it may enter, and log the scan. Raw SQL on purpose: it is the gate's hot
 * path, one prepared statement and one round trip per scan (or per batch).
 *
 * Correctness, row by row: the check-ins are one `insert ... on conflict on constraint
 * uq_gate_check_ins_ticket do nothing`, so of two scans of one ticket (in one batch, in two
 * batches, or in two processes) exactly one row is inserted and only the scan whose check-in
 * id came back is `admitted`. A scan that repeats the one that made the check-in (same pass
 * nonce, scanner, device and zone: its answer was lost) is `retry`: answered "admitted" again,
 * with nothing written (it is the same scan). Every other scan gets its own gate_scans row in
 * the same statement. A scan whose insert met a check-in this statement cannot see (another
 * statement's, committed while this one ran) is `race`: nothing written, and it runs again
 * alone, now seeing that check-in.
 */
const INPUT_COLUMNS = [
  ["chain_id", "bigint"],
  ["contract_address", "text"],
  ["token_id", "numeric"],
  ["holder", "text"],
  ["check_in_id", "uuid"],
  ["event_contract_id", "uuid"],
  ["zone_id", "uuid"],
  ["scanner_user_id", "uuid"],
  ["device_id", "text"],
  ["pass_nonce", "numeric"],
  ["scanned_at", "timestamptz"],
  ["scan_id", "uuid"],
] as const;

const identity = (table: string): SqlScanIdentity => ({
  passNonce: `${table}.pass_nonce`,
  scannerUserId: `${table}.scanner_user_id`,
  zoneId: `${table}.zone_id`,
  deviceId: `${table}.device_id`,
});

/** The statement over `inputs`, a select of INPUT_COLUMNS: one row of parameters, or unnest of arrays. */
function admissionStatement(inputs: string): string {
  const decision = ticketDecisionSql({
    owner: "t.owner_address",
    burned: "t.burned",
    refundState: "t.refund_state",
    cancelled: "e.cancelled",
    checkedIn: "t.checked_in",
    checkInId: "g.id",
    checkIn: identity("g"),
    scan: identity("i"),
    holder: "i.holder",
    singleEntry: "true",
  });
  return `
with i as (${inputs}),
v as (
  select i.*, coalesce(t.decision, 'unknown_ticket') as decision, t.display_name
    from i
    left join lateral (
      select ${decision} as decision, h.display_name
        from chain_tickets t
        join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
        left join evm_wallet_holders h on h.address = t.owner_address
        left join gate_check_ins g on g.chain_id = t.chain_id and g.contract_address = t.contract_address and g.token_id = t.token_id
       where t.chain_id = i.chain_id and t.contract_address = i.contract_address and t.token_id = i.token_id
    ) t on true
), c as (
  insert into gate_check_ins (id, event_contract_id, chain_id, contract_address, token_id, holder_address, zone_id, scanner_user_id,
                              source, device_id, pass_nonce, checked_in_at)
  select check_in_id, event_contract_id, chain_id, contract_address, token_id, holder, zone_id, scanner_user_id, 'online', device_id,
         pass_nonce, scanned_at
    from v where v.decision = 'ok'
  on conflict on constraint uq_gate_check_ins_ticket do nothing
  returning id
), d as (
  select v.*, case
      when v.decision <> 'ok' then v.decision
      when exists (select 1 from c where c.id = v.check_in_id) then 'admitted'
      else coalesce((select case when ${sameScanSql(identity("w"), identity("v"))} then 'retry' else 'already_admitted' end
                       from v w join c on c.id = w.check_in_id
                      where w.chain_id = v.chain_id and w.contract_address = v.contract_address and w.token_id = v.token_id), 'race')
    end as outcome
    from v
), s as (
  insert into gate_scans (id, event_contract_id, zone_id, direction, token_id, holder_address, verdict, scanner_user_id, source,
                          device_id, pass_nonce, scanned_at)
  select scan_id, event_contract_id, zone_id, 'in', token_id, holder, outcome, scanner_user_id, 'online', device_id, pass_nonce, scanned_at
    from d where outcome not in ('retry', 'race')
)
select d.scan_id, d.outcome, d.display_name from d`;
}

const ADMIT_ONE_SQL = admissionStatement(`select ${INPUT_COLUMNS.map(([name, type], n) => `$${n + 1}::${type} as ${name}`).join(", ")}`);
const ADMIT_MANY_SQL = admissionStatement(
  `select * from unnest(${INPUT_COLUMNS.map(([, type], n) => `$${n + 1}::${type}[]`).join(", ")}) as i(${INPUT_COLUMNS.map(([name]) => name).join(", ")})`,
);

/**
 * Group admission: the scans that arrive in the same event-loop turn (while earlier ones are
 * being answered) go to the database as one statement, so one round trip and one commit serve
 * up to MAX_BATCH scans instead of one each. A batch is all-or-nothing (one statement): if it
 * fails, each of its scans runs alone, so one bad scan never fails the others. A batch of one
 * uses the one-row statement.
 */
const MAX_BATCH = 64;

export type EntranceValues = [
  chainId: number,
  contract: string,
  tokenId: string,
  holder: string,
  checkInId: string,
  eventContractId: string,
  zoneId: string,
  scannerUserId: string,
  deviceId: string | null,
  passNonce: string,
  scannedAt: Date,
  scanId: string,
];

export interface EntranceOutcome {
  verdict: Verdict;
  displayName: string | null;
}

interface PendingEntrance {
  values: EntranceValues;
  resolve(out: EntranceOutcome): void;
  reject(error: unknown): void;
}

type Row = { scan_id: string; outcome: string; display_name: string | null };

export class EntranceBatcher {
  private queue: PendingEntrance[] = [];
  private scheduled = false;

  constructor(private readonly db: Knex) {}

  admit(values: EntranceValues): Promise<EntranceOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ values, resolve, reject });
      if (this.queue.length >= MAX_BATCH) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (batch.length === 1) return void this.runOne(batch[0]!);
    this.runBatch(batch).catch(() => {
      for (const item of batch) void this.runOne(item); // isolate the failing scan
    });
  }

  private async runOne(item: PendingEntrance): Promise<void> {
    try {
      for (let attempt = 0; ; attempt++) {
        const row = (await this.query("gate_admit_entrance_v2", ADMIT_ONE_SQL, item.values))[0]!;
        if (row.outcome !== "race") return item.resolve(outcomeOf(row));
        // the other check-in is committed (the insert waited for it): the next run sees it
        if (attempt === 2) throw new Error("gate: a check-in raced three times");
      }
    } catch (error) {
      item.reject(error);
    }
  }

  private async runBatch(batch: PendingEntrance[]): Promise<void> {
    const columns: unknown[][] = Array.from({ length: INPUT_COLUMNS.length }, () => new Array(batch.length));
    batch.forEach((item, i) => item.values.forEach((v, c) => (columns[c]![i] = v)));
    const rows = await this.query("gate_admit_entrance_batch_v2", ADMIT_MANY_SQL, columns);
    const byScanId = new Map(rows.map((r) => [r.scan_id, r]));
    if (byScanId.size !== batch.length) throw new Error("gate batch: a scan row is missing");
    for (const item of batch) {
      const row = byScanId.get(item.values[11])!;
      if (row.outcome === "race") void this.runOne(item);
      else item.resolve(outcomeOf(row));
    }
  }

  private async query(name: string, text: string, values: unknown[]): Promise<Row[]> {
    const connection = await this.db.client.acquireConnection();
    try {
      return (await connection.query({ name, text, values })).rows;
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }
}

function outcomeOf(row: Row): EntranceOutcome {
  return { verdict: (row.outcome === "retry" ? "admitted" : row.outcome) as Verdict, displayName: row.display_name ?? null };
}
