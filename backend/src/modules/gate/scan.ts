import type { Knex } from "knex";
import type { Address } from "viem";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { CachedMirrorFreshness, MirrorChain } from "../chain-mirror/freshness.js";
import { decideTicket, sameScan, type ScanFacts } from "./admission-policy.js";
import { EntranceBatcher } from "./entrance-batcher.js";
import { mirroredTicket, ownerOnChain, withChainOwner, type TicketState } from "./ownership.js";
import { passRefusal, passTier, verifiedPass } from "./pass-checks.js";
import type { SignedPass } from "./pass.js";
import type { ScannerAccess } from "./scanners.js";
import { VERDICT_MESSAGES, type ScanResult, type Verdict } from "./verdicts.js";
import type { ZoneDirectory, ZoneInfo } from "./zones.js";

/**
 * Knex/SQL here, not objection Models (gate/models.ts): this is the measured hot path, its SQL stays as written.
 *
 * Where check-in is decided. `POST /api/v1/gate/scan` checks, in this order, and answers with
 * the first failing reason (verdicts.ts lists them): the pass itself (pass-checks.ts, shared
 * with offline gates), the ticket (admission-policy.ts: one policy for this general path, the
 * plain-entrance statement and offline gates), then the zone: presence, pass reuse, capacity.
 *
 * Ownership comes from the mirror; when the mirror is not fresh (chain-mirror/freshness.ts),
 * from `ownerOf` on the chain (ownership.ts; if the chain cannot answer, the mirror's answer
 * is used and the verdict says `ownership: "mirror_stale"`).
 *
 * Atomicity: the first entry of a ticket is the insert of its gate_check_ins row
 * (uq_gate_check_ins_ticket): of two concurrent scans exactly one inserts. Zone presence is
 * a conditional upsert (inside = false -> true) and occupancy a conditional UPDATE
 * (occupancy < capacity), all in one short transaction, so neither a double entry nor an
 * over-full zone can happen under concurrency. Every scan, whatever its verdict, is logged in
 * gate_scans (the zone access log), except a resent one (below): it is the same scan.
 *
 * Resent scans: a scanner whose answer was lost sends the same scan again (same pass nonce,
 * scanner, device, zone). If that scan let the ticket in (it made the check-in, or it is why
 * the ticket is inside the zone) it is answered "admitted" again and nothing changes; the
 * check-in row and the presence row remember which scan that was. Anyone else showing that
 * pass is refused as before.
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
export interface ScanInput {
  payload: string;
  zoneId: string;
  direction: "in" | "out";
  deviceId?: string;
}

/** The holder of a pass checked at the gate (passHolder). */
export interface PassHolder {
  holder: string;
  contract: string;
  tokenId: string;
  eventContractId: string;
  festivalId: string;
}

export interface GateScanDeps {
  db: Knex;
  chain?: MirrorChain;
  platformPassAddress: Address;
  freshness: CachedMirrorFreshness;
  zones: ZoneDirectory;
  scanners: ScannerAccess;
  now?: () => number;
}

interface LogContext {
  zone: ZoneInfo;
  principal: Principal;
  input: ScanInput;
  scannedAt: Date;
}

/** A transaction's early end with a verdict ("retry": the same scan again, answered "admitted"). */
class Refusal extends Error {
  constructor(readonly verdict: Verdict | "retry") {
    super(verdict);
  }
}

export class GateScanService {
  private readonly entrances: EntranceBatcher;
  private readonly platformSigner: string;

  constructor(private readonly deps: GateScanDeps) {
    this.entrances = new EntranceBatcher(deps.db);
    this.platformSigner = deps.platformPassAddress.toLowerCase();
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
      message: VERDICT_MESSAGES[verdict],
      ownership: null,
      zone: { id: zone.id, code: zone.code, name: zone.name, occupancy: null, capacity: zone.capacity },
      ticket: null,
      scannedAt: scannedAt.toISOString(),
      ...extra,
    });
    const log = { zone, principal, input, scannedAt };

    // 1-3. the pass: signature, expiry, event and zone
    const pass = verifiedPass(input.payload, this.platformSigner);
    if (typeof pass === "string") {
      await this.logScan(log, pass, null);
      return result(pass);
    }
    const tierId = passTier(pass);
    const holder = pass.holder.toLowerCase();
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
    const refusal = passRefusal(pass, zone, Math.floor((this.deps.now?.() ?? Date.now()) / 1000));
    if (refusal) return refuse(refusal);

    // 4-6 in one statement for the common case: a plain entrance, the mirror fresh
    const singleEntry = input.direction === "in" && zone.kind === "entrance" && !zone.allowReentry;
    if (singleEntry && zone.capacity === null && (await this.deps.freshness.fresh(zone.chainId))) {
      const fast = await this.admitAtEntrance(log, zone, pass);
      return result(fast.verdict, { ticket: ticketOf({ holderDisplayName: fast.displayName }), ownership: "mirror" });
    }

    // 4-6. the ticket: holder (mirror, or the chain when the mirror lags), refund, cancellation, entered already
    const { state, ownership } = await this.ticketState(zone, pass.tokenId);
    const withTicket = { ticket: ticketOf(state ?? undefined), ownership };
    const scanFacts: ScanFacts = { ...scanIdentity(log, pass), holder, singleEntry };
    const decision = decideTicket(state, scanFacts);
    if (decision === "retry") return result("admitted", withTicket);
    if (decision !== "ok") return refuse(decision, withTicket);

    // 7. the zone: atomic
    const outcome = input.direction === "in" ? await this.admit(log, zone, pass, state!) : await this.exit(log, zone, pass);
    return result(outcome.verdict, { ...withTicket, zone: { ...result(outcome.verdict).zone, occupancy: outcome.occupancy } });
  }

  /**
   * Whose ticket a pass shown at `zoneId` is, without admitting it (a wristband bound at the
   * gate): the scan's pass checks (signature, expiry, event; any tier) and ticket rules
   * (held by the pass's holder, not refunded, event not cancelled), an entry not required.
   * A refusal is a 422 whose code is the scan's verdict.
   */
  async passHolder(principal: Principal, input: { payload: string; zoneId: string }): Promise<PassHolder> {
    const zone = await this.deps.zones.get(input.zoneId);
    if (!zone) throw new HttpError(404, "zone_not_found", `zone ${input.zoneId} not found`);
    await this.deps.scanners.assert(principal, zone.festivalId);
    if (!zone.contract) throw new HttpError(409, "event_not_linked", "this zone's event is not linked to a ticket contract yet");
    const refuse = (verdict: Verdict) =>
      new HttpError(422, verdict, VERDICT_MESSAGES[verdict], [{ field: "body.payload", message: VERDICT_MESSAGES[verdict] }]);
    const pass = verifiedPass(input.payload, this.platformSigner);
    if (typeof pass === "string") throw refuse(pass);
    const refusal = passRefusal(pass, { ...zone, allowedTiers: null }, Math.floor((this.deps.now?.() ?? Date.now()) / 1000));
    if (refusal) throw refuse(refusal);
    const holder = pass.holder.toLowerCase();
    const { state } = await this.ticketState(zone, pass.tokenId);
    // not an entry (singleEntry false): only the ticket's own rules can refuse it
    const decision = decideTicket(state, {
      passNonce: pass.nonce.toString(),
      scannerUserId: principal.userId,
      zoneId: zone.id,
      deviceId: null,
      holder,
      singleEntry: false,
    });
    if (decision !== "ok") throw refuse(decision === "retry" ? "already_admitted" : decision);
    return { holder, contract: zone.contract, tokenId: pass.tokenId.toString(), eventContractId: zone.eventContractId, festivalId: zone.festivalId };
  }

  private async ticketState(zone: ZoneInfo, tokenId: bigint): Promise<{ state: TicketState | null; ownership: ScanResult["ownership"] }> {
    const mirrored = await mirroredTicket(this.deps.db, zone.chainId, zone.contract!, tokenId);
    if (await this.deps.freshness.fresh(zone.chainId)) return { state: mirrored, ownership: "mirror" };
    const chain = this.deps.chain;
    if (!chain || chain.chainId !== zone.chainId) return { state: mirrored, ownership: "mirror_stale" };
    return withChainOwner(this.deps.db, mirrored, await ownerOnChain(chain, zone.contract!, tokenId));
  }

  /** The hot path: one prepared statement (entrance-batcher.ts), grouped with the scans that arrive at the same time. */
  private async admitAtEntrance(log: LogContext, zone: ZoneInfo, pass: SignedPass): Promise<{ verdict: Verdict; displayName: string | null }> {
    return this.entrances.admit([
      zone.chainId,
      zone.contract!,
      pass.tokenId.toString(),
      pass.holder.toLowerCase(),
      newId(),
      zone.eventContractId,
      zone.id,
      log.principal.userId,
      log.input.deviceId ?? null,
      pass.nonce.toString(),
      log.scannedAt,
      newId(),
    ]);
  }

  private async admit(log: LogContext, zone: ZoneInfo, pass: SignedPass, state: TicketState): Promise<{ verdict: Verdict; occupancy: number | null }> {
    const tokenId = pass.tokenId.toString();
    const scan = scanIdentity(log, pass);
    const tracksPresence = zone.kind === "area" || zone.allowReentry || zone.capacity !== null;
    let refused: Verdict | "retry" | undefined;
    let occupancy: number | null = null;
    await this.deps.db
      .transaction(async (trx) => {
        if (zone.kind === "entrance") {
          const inserted = await trx.raw(
            `insert into gate_check_ins (id, event_contract_id, chain_id, contract_address, token_id, holder_address, zone_id, scanner_user_id,
                                         source, device_id, pass_nonce, checked_in_at, anchor_status, anchored_at, confirmed_at)
             values (?, ?, ?, ?, ?, ?, ?, ?, 'online', ?, ?, ?, ?, ?, ?)
             on conflict on constraint uq_gate_check_ins_ticket do nothing returning 1`,
            [
              newId(),
              zone.eventContractId,
              zone.chainId,
              zone.contract,
              tokenId,
              pass.holder.toLowerCase(),
              zone.id,
              log.principal.userId,
              scan.deviceId,
              scan.passNonce,
              log.scannedAt,
              // already checked in on-chain (re-entry entrances): nothing to anchor
              ...(state.checkedIn ? ["anchored", log.scannedAt, log.scannedAt] : ["pending", null, null]),
            ],
          );
          if (inserted.rows.length === 0 && !zone.allowReentry) {
            // a check-in committed since the ticket was read: a concurrent copy of this scan, or another one
            const first = await trx("gate_check_ins")
              .where({ chain_id: zone.chainId, contract_address: zone.contract, token_id: tokenId })
              .first("pass_nonce", "scanner_user_id", "zone_id", "device_id");
            throw new Refusal(first && sameScan(scan, identityOf(first)) ? "retry" : "already_admitted");
          }
        }
        if (tracksPresence) {
          const entered = await trx.raw(
            `insert into gate_zone_presence (zone_id, token_id, inside, pass_nonce, scanner_user_id, device_id) values (?, ?, true, ?, ?, ?)
             on conflict (zone_id, token_id) do update
               set inside = true, pass_nonce = excluded.pass_nonce, scanner_user_id = excluded.scanner_user_id, device_id = excluded.device_id,
                   updated_at = now()
               where gate_zone_presence.inside = false
             returning 1`,
            [zone.id, tokenId, scan.passNonce, scan.scannerUserId, scan.deviceId],
          );
          if (entered.rows.length === 0) {
            // inside already: by this very scan (resent), or by another one
            const inside = await trx("gate_zone_presence").where({ zone_id: zone.id, token_id: tokenId }).first("pass_nonce", "scanner_user_id", "device_id");
            throw new Refusal(inside && sameScan(scan, identityOf({ ...inside, zone_id: zone.id })) ? "retry" : "already_admitted");
          }
        }
        if (zone.kind === "area" || zone.allowReentry) {
          const fresh = await trx.raw(
            `insert into gate_pass_uses (chain_id, contract_address, token_id, nonce, expires_at) values (?, ?, ?, ?, to_timestamp(?))
             on conflict do nothing returning 1`,
            [zone.chainId, zone.contract, tokenId, scan.passNonce, pass.validUntil],
          );
          if (fresh.rows.length === 0) throw new Refusal("replayed_pass");
        }
        if (zone.capacity !== null) {
          const updated = await trx.raw("update gate_zones set occupancy = occupancy + 1 where id = ? and occupancy < capacity returning occupancy", [zone.id]);
          if (updated.rows.length === 0) throw new Refusal("zone_full");
          occupancy = updated.rows[0].occupancy;
        }
        await this.logScan(log, "admitted", pass, trx);
      })
      .catch((error) => {
        if (error instanceof Refusal) refused = error.verdict;
        else throw error;
      });
    if (refused === "retry") {
      if (zone.capacity !== null) occupancy = (await this.deps.db("gate_zones").where({ id: zone.id }).first("occupancy"))?.occupancy ?? null;
      return { verdict: "admitted", occupancy };
    }
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
      const out = await trx.raw("update gate_zone_presence set inside = false, updated_at = now() where zone_id = ? and token_id = ? and inside returning 1", [
        zone.id,
        pass.tokenId.toString(),
      ]);
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

function scanIdentity(log: LogContext, pass: SignedPass) {
  return { passNonce: pass.nonce.toString(), scannerUserId: log.principal.userId, zoneId: log.zone.id, deviceId: log.input.deviceId ?? null };
}

function identityOf(row: { pass_nonce: string | null; scanner_user_id: string | null; zone_id: string | null; device_id: string | null }) {
  return { passNonce: row.pass_nonce === null ? "" : String(row.pass_nonce), scannerUserId: row.scanner_user_id, zoneId: row.zone_id, deviceId: row.device_id };
}
