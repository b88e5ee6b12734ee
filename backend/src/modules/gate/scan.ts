import type { Knex } from "knex";
import type { Address, PublicClient } from "viem";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import { newId } from "../../../../lib/ids.js";
import { tierOf } from "../../../../lib/token-ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { decodePass, PASS_MAX_VALIDITY_SECONDS, PassFormatError, type SignedPass } from "./pass.js";
import { passSigner } from "./passes.js";
import type { ScannerAccess } from "./scanners.js";
import type { ZoneDirectory, ZoneInfo } from "./zones.js";

/**
 * Where check-in is decided. `POST /api/v1/gate/scan` checks, in this order, and answers
 * with the first failing reason:
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
 *
 * Ownership comes from the mirror; when the indexer lags more than INDEXER_MAX_LAG_BLOCKS
 * behind the head, from `ownerOf` on the chain (if the chain is unreachable too, the
 * mirror's answer is used and the verdict says `ownership: "mirror_stale"`).
 *
 * Atomicity: the first entry of a ticket is the insert of its gate_check_ins row
 * (uq_gate_check_ins_ticket): of two concurrent scans exactly one inserts. Zone presence is
 * a conditional upsert (inside = false -> true) and occupancy a conditional UPDATE
 * (occupancy < capacity), all in one short transaction, so neither a double entry nor an
 * over-full zone can happen under concurrency. Every scan, whatever its verdict, is logged
 * in gate_scans (the zone access log).
 *
 * Pass nonces (replay): a pass lives at most 60 s. At an entrance without re-entry a replay
 * can never admit (the check-in row exists), so no nonce is stored there (keeps the hot
 * path at one statement). Where re-entry is possible (areas, re-entry entrances) the nonce
 * of every admitting pass is stored (gate_pass_uses) and a second admission with the same
 * pass is `replayed_pass`: after an exit, the holder must show a fresh pass. Stored nonces are
 * pruned by the anchor loop once their pass has expired.
 *
 * Audit: a scan's record is its gate_scans row (scanner, device, zone, ticket, holder,
 * verdict, time; append-only by trigger), written in the same statement or transaction as
 * the check-in. audit_log is not written per scan (it would double the hot path's writes);
 * every other gate mutation (zones, scanners, links, offline uploads) writes audit_log.
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
  "admitted", "exited", "already_admitted", "not_inside", "malformed_pass", "bad_signature", "expired_pass", "validity_too_long",
  "wrong_event", "wrong_zone", "unknown_ticket", "refunded", "not_holder", "cancelled", "replayed_pass", "zone_full",
];

const MESSAGES: Record<Verdict, string> = {
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

export interface ScanInput {
  payload: string;
  zoneId: string;
  direction: "in" | "out";
  deviceId?: string;
}

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

interface TicketState {
  owner: string | null;
  burned: boolean;
  refundState: string;
  chainCheckedIn: boolean;
  cancelled: boolean;
  holderDisplayName: string | null;
}

export interface GateScanDeps {
  db: Knex;
  chain?: { client: PublicClient; chainId: number };
  platformPassAddress: Address;
  maxLagBlocks: number;
  zones: ZoneDirectory;
  scanners: ScannerAccess;
  now?: () => number;
}

export class GateScanService {
  private lag: { at: number; blocks: number } | undefined;
  private readonly entrances: EntranceBatcher;

  constructor(private readonly deps: GateScanDeps) {
    this.entrances = new EntranceBatcher(deps.db);
  }

  private nowSeconds(): number {
    return Math.floor((this.deps.now?.() ?? Date.now()) / 1000);
  }

  async scan(principal: Principal, input: ScanInput): Promise<ScanResult> {
    const zone = await this.deps.zones.get(input.zoneId);
    if (!zone) throw new HttpError(404, "zone_not_found", `zone ${input.zoneId} not found`);
    await this.deps.scanners.assert(principal, zone.festivalId);
    if (!zone.contract) throw new HttpError(409, "event_not_linked", "this zone's event is not linked to a ticket contract yet");

    const scannedAt = new Date();
    const result = (verdict: Verdict, extra: Partial<ScanResult> = {}): ScanResult => ({
      verdict,
      admitted: verdict === "admitted",
      message: MESSAGES[verdict],
      ownership: null,
      zone: { id: zone.id, code: zone.code, name: zone.name, occupancy: null, capacity: zone.capacity },
      ticket: null,
      scannedAt: scannedAt.toISOString(),
      ...extra,
    });
    const log = { zone, principal, input, scannedAt };

    // 1. signature
    let pass: SignedPass;
    try {
      pass = decodePass(input.payload.trim());
    } catch (error) {
      if (!(error instanceof PassFormatError)) throw error;
      await this.logScan(log, "malformed_pass", null);
      return result("malformed_pass");
    }
    const signer = passSigner(pass);
    const expectedSigner = pass.signer === "platform" ? this.deps.platformPassAddress.toLowerCase() : pass.holder.toLowerCase();
    const holder = pass.holder.toLowerCase();
    const tierId = Number(tierOf(pass.tokenId));
    const ticketOf = (state?: Pick<TicketState, "holderDisplayName">) => ({
      contract: pass.contract.toLowerCase(),
      tokenId: pass.tokenId.toString(),
      tierId,
      category: zone.categoryNames.get(tierId) ?? null,
      holder,
      holderDisplayName: state?.holderDisplayName ?? null,
    });
    const refuse = async (verdict: Verdict, extra: Partial<ScanResult> = {}) => {
      await this.logScan(log, verdict, pass);
      return result(verdict, { ticket: ticketOf(), ...extra });
    };
    if (signer !== expectedSigner) {
      await this.logScan(log, "bad_signature", null);
      return result("bad_signature");
    }

    // 2. expiry
    const now = this.nowSeconds();
    if (pass.validUntil < now) return refuse("expired_pass");
    if (pass.validUntil > now + PASS_MAX_VALIDITY_SECONDS + 5) return refuse("validity_too_long");

    // 3. event and zone
    if (pass.chainId !== zone.chainId || pass.contract.toLowerCase() !== zone.contract) return refuse("wrong_event");
    if (zone.allowedTiers && !zone.allowedTiers.has(tierId)) return refuse("wrong_zone");

    // 4-6 in one statement for the common case: a plain entrance, the mirror fresh
    if (input.direction === "in" && zone.kind === "entrance" && !zone.allowReentry && zone.capacity === null) {
      if ((await this.mirrorLag(zone.chainId)) <= this.deps.maxLagBlocks) {
        const fast = await this.admitAtEntrance(log, zone, pass);
        return result(fast.verdict, { ticket: ticketOf({ holderDisplayName: fast.displayName }), ownership: "mirror" });
      }
    }

    // 4. holder (mirror, or the chain when the mirror lags)
    const { state, ownership } = await this.ticketState(zone, pass.tokenId);
    const withTicket = { ticket: ticketOf(state ?? undefined), ownership };
    if (!state) return refuse("unknown_ticket", withTicket);
    if (state.burned || state.refundState === "refunded") return refuse("refunded", withTicket);
    if (state.owner !== holder) return refuse("not_holder", withTicket);

    // 5. refunded or cancelled
    if (state.cancelled || state.refundState === "refundable") return refuse("cancelled", withTicket);

    // 6. not entered already: atomic
    const outcome = input.direction === "in" ? await this.admit(log, zone, pass, state) : await this.exit(log, zone, pass);
    return result(outcome.verdict, { ...withTicket, zone: { ...result(outcome.verdict).zone, occupancy: outcome.occupancy } });
  }

  /**
   * Blocks the mirror is behind, cached for a second: against the chain's head when this API
   * has the chain (so a dead indexer counts as lagging), else against the head the indexer saw.
   */
  private async mirrorLag(chainId: number): Promise<number> {
    if (this.lag && Date.now() - this.lag.at < 1000) return this.lag.blocks;
    const row = await this.deps.db("indexer_cursors").where({ chain_id: chainId }).first("block_number", "head_block_number");
    let head = row ? Number(row.head_block_number) : undefined;
    const chain = this.deps.chain;
    if (chain && chain.chainId === chainId) {
      head = await chain.client.getBlockNumber({ cacheTime: 1000 }).then(Number, () => head);
    }
    const blocks = row && head !== undefined ? Math.max(0, head - Number(row.block_number)) : Number.POSITIVE_INFINITY;
    this.lag = { at: Date.now(), blocks };
    return blocks;
  }

  private async ticketState(zone: ZoneInfo, tokenId: bigint): Promise<{ state: TicketState | null; ownership: ScanResult["ownership"] }> {
    // The holder's display name: wallets and users belong to the identity module; read here
    // in the same indexed query to keep the hot path at one round trip.
    const rows = await this.deps.db.raw(
      `select t.owner_address, t.burned, t.refund_state, t.checked_in, e.cancelled, u.display_name
         from chain_tickets t
         join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
         left join wallets w on w.network = 'evm' and w.address = t.owner_address
         left join users u on u.id = w.user_id and u.deleted_at is null
        where t.chain_id = ? and t.contract_address = ? and t.token_id = ?`,
      [zone.chainId, zone.contract, tokenId.toString()],
    );
    const r = rows.rows[0];
    let state: TicketState | null = r
      ? {
          owner: r.owner_address,
          burned: r.burned,
          refundState: r.refund_state,
          chainCheckedIn: r.checked_in,
          cancelled: r.cancelled,
          holderDisplayName: r.display_name ?? null,
        }
      : null;
    const lag = await this.mirrorLag(zone.chainId);
    if (lag <= this.deps.maxLagBlocks) return { state, ownership: "mirror" };
    const chain = this.deps.chain;
    if (!chain || chain.chainId !== zone.chainId) return { state, ownership: "mirror_stale" };
    try {
      const owner = await chain.client.readContract({ address: zone.contract!, abi: eventTicketAbi, functionName: "ownerOf", args: [tokenId] });
      const ownerLower = owner.toLowerCase();
      const display =
        state?.owner === ownerLower
          ? state.holderDisplayName
          : (((await this.deps.db.raw(
              "select u.display_name from wallets w join users u on u.id = w.user_id where w.network = 'evm' and w.address = ?",
              [ownerLower],
            )).rows[0]?.display_name as string | undefined) ?? null);
      state = {
        owner: ownerLower,
        burned: false,
        refundState: state?.refundState === "refunded" ? "none" : (state?.refundState ?? "none"),
        chainCheckedIn: state?.chainCheckedIn ?? false,
        cancelled: state?.cancelled ?? false,
        holderDisplayName: display,
      };
      return { state, ownership: "chain" };
    } catch (error) {
      const reverted = (error as { name?: string }).name === "ContractFunctionExecutionError";
      if (reverted) {
        // ownerOf reverts for a token that does not exist (never minted, or burned by a refund)
        return { state: state ? { ...state, owner: null, burned: true, refundState: "refunded" } : null, ownership: "chain" };
      }
      return { state, ownership: "mirror_stale" };
    }
  }

  /**
   * The hot path as one prepared statement (one round trip, planned once per connection):
   * reads the mirror row, decides unknown / refunded / not holder / cancelled / checked in
   * on-chain in SQL (same order as the general path), inserts the check-in when all pass
   * (the unique ticket constraint decides between two concurrent scans), and logs the scan.
   */
  private async admitAtEntrance(log: LogContext, zone: ZoneInfo, pass: SignedPass): Promise<{ verdict: Verdict; displayName: string | null }> {
    const values: EntranceValues = [
      zone.chainId, zone.contract!, pass.tokenId.toString(), pass.holder.toLowerCase(), newId(), zone.eventContractId, zone.id,
      log.principal.userId, log.input.deviceId ?? null, pass.nonce.toString(), log.scannedAt, newId(),
    ];
    return this.entrances.admit(values);
  }

  private async admit(
    log: LogContext,
    zone: ZoneInfo,
    pass: SignedPass,
    state: TicketState,
  ): Promise<{ verdict: Verdict; occupancy: number | null }> {
    const db = this.deps.db;
    const tokenId = pass.tokenId.toString();
    const holder = pass.holder.toLowerCase();
    const checkIn = {
      id: newId(),
      event_contract_id: zone.eventContractId,
      chain_id: zone.chainId,
      contract_address: zone.contract,
      token_id: tokenId,
      holder_address: holder,
      zone_id: zone.id,
      scanner_user_id: log.principal.userId,
      source: "online",
      device_id: log.input.deviceId ?? null,
      pass_nonce: pass.nonce.toString(),
      checked_in_at: log.scannedAt,
      // already checked in on-chain (re-entry entrances): nothing to anchor
      ...(state.chainCheckedIn ? { anchor_status: "anchored", anchored_at: log.scannedAt, confirmed_at: log.scannedAt } : {}),
    };
    const tracksPresence = zone.kind === "area" || zone.allowReentry || zone.capacity !== null;

    if (zone.kind === "entrance" && !tracksPresence) {
      if (state.chainCheckedIn) {
        // checked in on-chain already (an offline gate's upload, another system): it has entered
        await this.logScan(log, "already_admitted", pass);
        return { verdict: "already_admitted", occupancy: null };
      }
      // Hot path: one statement. The check-in insert either happens (admitted) or hits the
      // unique ticket constraint (already admitted); the log row records which, atomically.
      const { rows } = await db.raw(
        `with c as (
           insert into gate_check_ins ${insertColumns(checkIn)} on conflict on constraint uq_gate_check_ins_ticket do nothing returning 1
         )
         insert into gate_scans (id, event_contract_id, zone_id, direction, token_id, holder_address, verdict, scanner_user_id, source, device_id, pass_nonce, scanned_at)
         select ?, ?, ?, 'in', ?, ?, case when exists (select 1 from c) then 'admitted' else 'already_admitted' end, ?, 'online', ?, ?, ?
         returning verdict`,
        [
          ...Object.values(checkIn),
          newId(), zone.eventContractId, zone.id, tokenId, holder, log.principal.userId, log.input.deviceId ?? null, pass.nonce.toString(), log.scannedAt,
        ],
      );
      return { verdict: rows[0].verdict as Verdict, occupancy: null };
    }

    if (zone.kind === "entrance" && !zone.allowReentry && state.chainCheckedIn) {
      await this.logScan(log, "already_admitted", pass);
      return { verdict: "already_admitted", occupancy: null };
    }
    let refused: Verdict | undefined;
    let occupancy: number | null = null;
    await db
      .transaction(async (trx) => {
        if (zone.kind === "entrance") {
          const inserted = await trx.raw(
            `insert into gate_check_ins ${insertColumns(checkIn)} on conflict on constraint uq_gate_check_ins_ticket do nothing returning 1`,
            Object.values(checkIn),
          );
          if (inserted.rows.length === 0 && !zone.allowReentry) throw new Refusal("already_admitted");
        }
        const entered = await trx.raw(
          `insert into gate_zone_presence (zone_id, token_id, inside) values (?, ?, true)
           on conflict (zone_id, token_id) do update set inside = true, updated_at = now() where gate_zone_presence.inside = false
           returning 1`,
          [zone.id, tokenId],
        );
        if (entered.rows.length === 0) throw new Refusal("already_admitted");
        if (zone.kind === "area" || zone.allowReentry) {
          const fresh = await trx.raw(
            `insert into gate_pass_uses (chain_id, contract_address, token_id, nonce, expires_at) values (?, ?, ?, ?, to_timestamp(?))
             on conflict do nothing returning 1`,
            [zone.chainId, zone.contract, tokenId, pass.nonce.toString(), pass.validUntil],
          );
          if (fresh.rows.length === 0) throw new Refusal("replayed_pass");
        }
        if (zone.capacity !== null) {
          const updated = await trx.raw(
            "update gate_zones set occupancy = occupancy + 1 where id = ? and occupancy < capacity returning occupancy",
            [zone.id],
          );
          if (updated.rows.length === 0) throw new Refusal("zone_full");
          occupancy = updated.rows[0].occupancy;
        }
        await this.logScan(log, "admitted", pass, trx);
      })
      .catch((error) => {
        if (error instanceof Refusal) refused = error.verdict;
        else throw error;
      });
    if (refused) {
      await this.logScan(log, refused, pass);
      if (refused === "zone_full") occupancy = zone.capacity;
      return { verdict: refused, occupancy };
    }
    return { verdict: "admitted", occupancy };
  }

  private async exit(log: LogContext, zone: ZoneInfo, pass: SignedPass): Promise<{ verdict: Verdict; occupancy: number | null }> {
    let occupancy: number | null = null;
    const left = await this.deps.db.transaction(async (trx) => {
      const out = await trx.raw(
        "update gate_zone_presence set inside = false, updated_at = now() where zone_id = ? and token_id = ? and inside returning 1",
        [zone.id, pass.tokenId.toString()],
      );
      if (out.rows.length === 0) return false;
      if (zone.capacity !== null) {
        const updated = await trx.raw("update gate_zones set occupancy = occupancy - 1 where id = ? and occupancy > 0 returning occupancy", [zone.id]);
        occupancy = updated.rows[0]?.occupancy ?? 0;
      }
      await this.logScan(log, "exited", pass, trx);
      return true;
    });
    if (!left) {
      await this.logScan(log, "not_inside", pass);
      return { verdict: "not_inside", occupancy: null };
    }
    return { verdict: "exited", occupancy };
  }

  private async logScan(ctx: LogContext, verdict: Verdict, pass: SignedPass | null, trx: Knex | Knex.Transaction = this.deps.db): Promise<void> {
    await trx("gate_scans").insert({
      id: newId(),
      event_contract_id: ctx.zone.eventContractId,
      zone_id: ctx.zone.id,
      direction: ctx.input.direction,
      token_id: pass ? pass.tokenId.toString() : null,
      holder_address: pass ? pass.holder.toLowerCase() : null,
      verdict,
      scanner_user_id: ctx.principal.userId,
      source: "online",
      device_id: ctx.input.deviceId ?? null,
      pass_nonce: pass ? pass.nonce.toString() : null,
      scanned_at: ctx.scannedAt,
    });
  }
}

const ADMIT_AT_ENTRANCE_SQL = `
with t as (
  select t.owner_address, t.burned, t.refund_state, t.checked_in, e.cancelled, u.display_name
    from chain_tickets t
    join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
    left join wallets w on w.network = 'evm' and w.address = t.owner_address
    left join users u on u.id = w.user_id and u.deleted_at is null
   where t.chain_id = $1 and t.contract_address = $2 and t.token_id = $3::numeric
), v as (
  select coalesce((select case
      when burned or refund_state = 'refunded' then 'refunded'
      when owner_address is distinct from $4::text then 'not_holder'
      when cancelled or refund_state = 'refundable' then 'cancelled'
      when checked_in then 'already_admitted'
      else 'ok' end from t), 'unknown_ticket') as pre
), c as (
  insert into gate_check_ins (id, event_contract_id, chain_id, contract_address, token_id, holder_address, zone_id, scanner_user_id,
                              source, device_id, pass_nonce, checked_in_at)
  select $5, $6, $1, $2, $3::numeric, $4, $7, $8, 'online', $9, $10::numeric, $11 from v where v.pre = 'ok'
  on conflict on constraint uq_gate_check_ins_ticket do nothing
  returning 1
), s as (
  insert into gate_scans (id, event_contract_id, zone_id, direction, token_id, holder_address, verdict, scanner_user_id, source,
                          device_id, pass_nonce, scanned_at)
  select $12, $6, $7, 'in', $3::numeric, $4,
         case when v.pre <> 'ok' then v.pre when exists (select 1 from c) then 'admitted' else 'already_admitted' end,
         $8, 'online', $9, $10::numeric, $11
    from v
  returning verdict
)
select s.verdict, (select display_name from t) as display_name from s`;

/**
 * Group admission at plain entrances: the scans that arrive in the same event-loop turn
 * (while earlier ones are being answered) go to the database as one statement, so one
 * round trip and one commit serve up to MAX_BATCH scans instead of one each.
 *
 * Correctness is the single statement's, row by row: each scan's mirror row is read and
 * decided in SQL exactly as ADMIT_AT_ENTRANCE_SQL does; the check-ins are one
 * `insert ... on conflict on constraint uq_gate_check_ins_ticket do nothing returning id`, so
 * of two scans of one ticket (in one batch, in two batches, or in two processes) exactly one
 * row is inserted and only the scan whose check-in id came back is `admitted`; every scan
 * gets its own gate_scans row, in the same statement. A batch is all-or-nothing (one
 * statement): if it fails, each of its scans is retried alone with the single statement, so
 * one bad scan never fails the others. A batch of one uses the single statement as before.
 */
const MAX_BATCH = 64;

type EntranceValues = [
  chainId: number, contract: string, tokenId: string, holder: string, checkInId: string, eventContractId: string, zoneId: string,
  scannerUserId: string, deviceId: string | null, passNonce: string, scannedAt: Date, scanId: string,
];

interface PendingEntrance {
  values: EntranceValues;
  resolve(out: { verdict: Verdict; displayName: string | null }): void;
  reject(error: unknown): void;
}

export class EntranceBatcher {
  private queue: PendingEntrance[] = [];
  private scheduled = false;

  constructor(private readonly db: Knex) {}

  admit(values: EntranceValues): Promise<{ verdict: Verdict; displayName: string | null }> {
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
      const rows = await this.query("gate_admit_entrance_v1", ADMIT_AT_ENTRANCE_SQL, item.values);
      const row = rows[0]!;
      item.resolve({ verdict: row.verdict as Verdict, displayName: (row.display_name as string | null) ?? null });
    } catch (error) {
      item.reject(error);
    }
  }

  private async runBatch(batch: PendingEntrance[]): Promise<void> {
    const columns: unknown[][] = Array.from({ length: 12 }, () => new Array(batch.length));
    batch.forEach((item, i) => item.values.forEach((v, c) => (columns[c]![i] = v)));
    const rows = await this.query("gate_admit_entrance_batch_v1", ADMIT_AT_ENTRANCE_BATCH_SQL, columns);
    const byScanId = new Map(rows.map((r) => [r.scan_id as string, r]));
    if (byScanId.size !== batch.length) throw new Error("gate batch: a scan row is missing");
    for (const item of batch) {
      const row = byScanId.get(item.values[11])!;
      item.resolve({ verdict: row.verdict as Verdict, displayName: (row.display_name as string | null) ?? null });
    }
  }

  private async query(name: string, text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    const connection = await this.db.client.acquireConnection();
    try {
      return (await connection.query({ name, text, values })).rows;
    } finally {
      await this.db.client.releaseConnection(connection);
    }
  }
}

/** ADMIT_AT_ENTRANCE_SQL for many scans at once (parameters are arrays, one element per scan). */
const ADMIT_AT_ENTRANCE_BATCH_SQL = `
with i as (
  select * from unnest($1::bigint[], $2::text[], $3::numeric[], $4::text[], $5::uuid[], $6::uuid[], $7::uuid[], $8::uuid[], $9::text[],
                       $10::numeric[], $11::timestamptz[], $12::uuid[])
    as i(chain_id, contract_address, token_id, holder, check_in_id, event_contract_id, zone_id, scanner_user_id, device_id, pass_nonce,
         scanned_at, scan_id)
), v as (
  select i.*, coalesce(t.pre, 'unknown_ticket') as pre, t.display_name
    from i
    left join lateral (
      select case
          when t.burned or t.refund_state = 'refunded' then 'refunded'
          when t.owner_address is distinct from i.holder then 'not_holder'
          when e.cancelled or t.refund_state = 'refundable' then 'cancelled'
          when t.checked_in then 'already_admitted'
          else 'ok' end as pre,
        u.display_name
        from chain_tickets t
        join chain_events e on e.chain_id = t.chain_id and e.ticket_address = t.contract_address
        left join wallets w on w.network = 'evm' and w.address = t.owner_address
        left join users u on u.id = w.user_id and u.deleted_at is null
       where t.chain_id = i.chain_id and t.contract_address = i.contract_address and t.token_id = i.token_id
    ) t on true
), c as (
  insert into gate_check_ins (id, event_contract_id, chain_id, contract_address, token_id, holder_address, zone_id, scanner_user_id,
                              source, device_id, pass_nonce, checked_in_at)
  select check_in_id, event_contract_id, chain_id, contract_address, token_id, holder, zone_id, scanner_user_id, 'online', device_id,
         pass_nonce, scanned_at
    from v where v.pre = 'ok'
  on conflict on constraint uq_gate_check_ins_ticket do nothing
  returning id
), s as (
  insert into gate_scans (id, event_contract_id, zone_id, direction, token_id, holder_address, verdict, scanner_user_id, source,
                          device_id, pass_nonce, scanned_at)
  select scan_id, event_contract_id, zone_id, 'in', token_id, holder,
         case when v.pre <> 'ok' then v.pre when exists (select 1 from c where c.id = v.check_in_id) then 'admitted' else 'already_admitted' end,
         scanner_user_id, 'online', device_id, pass_nonce, scanned_at
    from v
  returning id, verdict
)
select s.id as scan_id, s.verdict, v.display_name from s join v on v.scan_id = s.id`;

interface LogContext {
  zone: ZoneInfo;
  principal: Principal;
  input: ScanInput;
  scannedAt: Date;
}

class Refusal extends Error {
  constructor(readonly verdict: Verdict) {
    super(verdict);
  }
}

function insertColumns(row: Record<string, unknown>): string {
  const columns = Object.keys(row);
  return `(${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`;
}
