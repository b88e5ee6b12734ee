import type { Knex } from "knex";
import type { Address } from "viem";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { mirrorBlock } from "../chain-mirror/freshness.js";
import { decideTicket } from "./admission-policy.js";
import { verifyEd25519, type SnapshotSigner } from "./keys.js";
import { passRefusal, passTier, verifiedPass } from "./pass-checks.js";
import { decodePass, PassFormatError } from "./pass.js";
import { passSigner } from "./passes.js";
import type { ScannerAccess } from "./scanners.js";
import type { Verdict } from "./verdicts.js";
import { GateCheckIn, GateOfflineScan, GateZone, type ZoneKind } from "./models.js";

/**
 * Offline gates.
 *
 * 1. A scanner downloads a signed snapshot of its event (`buildSnapshot`): every ticket with its
 *    holder and state, the tiers and zones, the platform pass key's address and the snapshot
 *    key. The snapshot is JSON, base64url-encoded as `data`, signed with Ed25519
 *    (GATE_OFFLINE_SIGNING_KEY) so a device verifies exactly the bytes that were signed.
 * 2. Without a connection, the device verifies passes with `verifyPassOffline` (same checks and
 *    reason codes as the online scan, holders from the snapshot) and keeps its own admitted set.
 * 3. Back online it uploads its scans (`uploadOfflineScans`), each with a nonce unique on the
 *    device: (event, device, nonce) is unique, so an upload sent twice changes nothing and
 *    answers the same. An offline admission becomes the ticket's check-in (anchored like any
 *    other) unless the ticket had already been admitted elsewhere: that is a conflict, reported
 *    with where the first admission happened (online, or which device).
 */
export interface OfflineSnapshot {
  v: 1;
  eventContractId: string;
  chainId: number;
  contract: Address;
  name: string;
  issuedAt: string;
  /** The mirror's block: state is as of this block, plus the gate's own check-ins. */
  blockNumber: string | null;
  cancelled: boolean;
  passSigner: Address;
  zones: Array<{ id: string; code: string; kind: "entrance" | "area"; allowReentry: boolean; tiers: number[] | null }>;
  tiers: Array<{ tierId: number; name: string }>;
  /** [tokenId, holder, state] */
  tickets: Array<[string, string | null, "valid" | "checked_in" | "refunded"]>;
}

export interface SignedSnapshot {
  algorithm: "Ed25519";
  publicKey: string;
  data: string;
  signature: string;
}

/** A row of event_contract_links, the view the event-contracts module publishes (bigint chain_id comes back as a string). */
interface PublishedLink {
  id: string;
  festival_id: string;
  chain_id: string;
  name: string;
  ticket_address: Address | null;
}

/** The published link of an event contract, if there is one. */
export function linkOf(db: Knex, eventContractId: string): Promise<PublishedLink | undefined> {
  return db<PublishedLink>("event_contract_links").where({ id: eventContractId }).first("id", "festival_id", "chain_id", "name", "ticket_address");
}

export async function buildSnapshot(db: Knex, signer: SnapshotSigner, passSignerAddress: Address, eventContractId: string): Promise<SignedSnapshot> {
  const link = await linkOf(db, eventContractId);
  if (!link?.ticket_address) throw new HttpError(409, "event_not_linked", "this event is not linked to a ticket contract yet");
  const [event, block, zones, categories, tickets] = await Promise.all([
    db("chain_events").where({ chain_id: link.chain_id, ticket_address: link.ticket_address }).first<{ cancelled: boolean } | undefined>("cancelled"),
    mirrorBlock(db, Number(link.chain_id)),
    db.raw<{ rows: Array<{ id: string; code: string; kind: ZoneKind; allow_reentry: boolean; tiers: number[] }> }>(
      `select z.id, z.code, z.kind, z.allow_reentry,
              (select coalesce(json_agg(tz.tier_id order by tz.tier_id), '[]'::json) from event_contract_tier_zones tz
                where tz.zone_id = z.id) as tiers
         from gate_zones z where z.event_contract_id = ? order by z.code`,
      [eventContractId],
    ),
    db<{ event_contract_id: string; tier_id: number; name: string }>("event_contract_tiers")
      .where({ event_contract_id: eventContractId })
      .orderBy("tier_id")
      .select("tier_id", "name"),
    db.raw<{ rows: Array<{ token_id: string; owner_address: string | null; burned: boolean; checked_in: boolean }> }>(
      `select t.token_id::text as token_id, t.owner_address, t.burned, t.checked_in or g.id is not null as checked_in
         from chain_tickets t
         left join gate_check_ins g on g.chain_id = t.chain_id and g.contract_address = t.contract_address and g.token_id = t.token_id
        where t.chain_id = ? and t.contract_address = ?
        order by t.token_id`,
      [link.chain_id, link.ticket_address],
    ),
  ]);
  const snapshot: OfflineSnapshot = {
    v: 1,
    eventContractId,
    chainId: Number(link.chain_id),
    contract: link.ticket_address,
    name: link.name,
    issuedAt: new Date().toISOString(),
    blockNumber: block === null ? null : block.toString(),
    cancelled: event?.cancelled ?? false,
    passSigner: passSignerAddress.toLowerCase() as Address,
    zones: zones.rows.map((z) => ({
      id: z.id,
      code: z.code,
      kind: z.kind,
      allowReentry: z.allow_reentry,
      tiers: z.kind === "entrance" ? null : z.tiers,
    })),
    tiers: categories.map((c) => ({ tierId: c.tier_id, name: c.name })),
    tickets: tickets.rows.map((t) => [t.token_id, t.owner_address ?? null, t.burned ? "refunded" : t.checked_in ? "checked_in" : "valid"]),
  };
  const data = Buffer.from(JSON.stringify(snapshot));
  return { algorithm: "Ed25519", publicKey: signer.publicKey, data: data.toString("base64url"), signature: signer.sign(data) };
}

/**
 * On the device: checks the snapshot's signature against the key it trusts (pinned at
 * enrolment, not the one inside the download) and returns the snapshot. Throws if forged.
 */
export function verifySnapshot(signed: SignedSnapshot, trustedPublicKey: string): OfflineSnapshot {
  const data = Buffer.from(signed.data, "base64url");
  if (signed.algorithm !== "Ed25519" || !verifyEd25519(trustedPublicKey, data, signed.signature)) {
    throw new Error("snapshot signature is not valid for the trusted key");
  }
  return JSON.parse(data.toString("utf8")) as OfflineSnapshot;
}

export interface OfflineGateState {
  /** Token ids this device admitted (the snapshot's checked-in tickets count as admitted). */
  admitted: Set<string>;
}

/** On the device: the online scan's checks against a snapshot (no presence, no capacity). */
export function verifyPassOffline(
  snapshot: OfflineSnapshot,
  payload: string,
  opts: { zoneId: string; now?: number; state: OfflineGateState },
): { verdict: Verdict; tokenId: string | null; holder: string | null; tier: string | null } {
  const pass = verifiedPass(payload, snapshot.passSigner);
  if (typeof pass === "string") return { verdict: pass, tokenId: null, holder: null, tier: null };
  const holder = pass.holder.toLowerCase();
  const tokenId = pass.tokenId.toString();
  const tierId = passTier(pass);
  const out = (verdict: Verdict) => ({ verdict, tokenId, holder, tier: snapshot.tiers.find((t) => t.tierId === tierId)?.name ?? null });
  const zone = snapshot.zones.find((z) => z.id === opts.zoneId);
  // a zone the snapshot does not have lets no tier in
  const refusal = passRefusal(
    pass,
    { chainId: snapshot.chainId, contract: snapshot.contract, allowedTiers: zone ? zone.tiers : [] },
    opts.now ?? Math.floor(Date.now() / 1000),
  );
  if (refusal) return out(refusal);
  const ticket = snapshot.tickets.find((t) => t[0] === tokenId);
  const singleEntry = zone!.kind === "entrance" && !zone!.allowReentry;
  const decision = decideTicket(
    ticket
      ? {
          owner: ticket[1],
          burned: ticket[2] === "refunded",
          refundState: "none",
          cancelled: snapshot.cancelled,
          checkedIn: ticket[2] === "checked_in" || opts.state.admitted.has(tokenId),
          checkIn: null,
        }
      : null,
    { holder, singleEntry, passNonce: pass.nonce.toString(), scannerUserId: null, zoneId: opts.zoneId, deviceId: null },
  );
  if (decision !== "ok" && decision !== "retry") return out(decision);
  if (zone!.kind === "entrance") opts.state.admitted.add(tokenId);
  return out("admitted");
}

export interface OfflineScanInput {
  nonce: string;
  zoneId: string;
  payload: string;
  scannedAt: string;
  verdict: string;
}

export type OfflineResult = "admitted" | "already_admitted" | "conflict" | "refused";

export class OfflineGateService {
  constructor(
    private readonly db: Knex,
    private readonly scanners: ScannerAccess,
    private readonly platformPassAddress: Address,
    private readonly signer: SnapshotSigner,
  ) {}

  private async link(principal: Principal, eventContractId: string) {
    const link = await linkOf(this.db, eventContractId);
    if (!link) throw new HttpError(404, "event_contract_not_found", `event contract ${eventContractId} not found`);
    await this.scanners.assert(principal, link.festival_id);
    if (!link.ticket_address) throw new HttpError(409, "event_not_linked", "this event is not linked to a ticket contract yet");
    return { ...link, ticket_address: link.ticket_address };
  }

  async snapshot(principal: Principal, eventContractId: string): Promise<SignedSnapshot> {
    await this.link(principal, eventContractId);
    return buildSnapshot(this.db, this.signer, this.platformPassAddress, eventContractId);
  }

  async upload(principal: Principal, audit: AuditContext, eventContractId: string, deviceId: string, scans: OfflineScanInput[]) {
    const link = await this.link(principal, eventContractId);
    const zoneIds = new Set(
      await GateZone.query(this.db)
        .where({ event_contract_id: eventContractId })
        .select("id")
        .then((zones) => zones.map((z) => z.id)),
    );
    const results: Array<{ nonce: string; tokenId: string | null; result: OfflineResult; conflictWith: string | null; replayed: boolean }> = [];
    for (const scan of scans) {
      if (!zoneIds.has(scan.zoneId)) {
        throw new HttpError(400, "invalid_input", "unknown zone", [{ field: "body.scans.zoneId", message: `zone ${scan.zoneId} is not a zone of this event` }]);
      }
      results.push(await this.uploadOne(principal, audit, link, deviceId, scan));
    }
    return { results, conflicts: results.filter((r) => r.result === "conflict") };
  }

  private async uploadOne(
    principal: Principal,
    audit: AuditContext,
    link: PublishedLink & { ticket_address: Address },
    deviceId: string,
    scan: OfflineScanInput,
  ) {
    let pass: ReturnType<typeof decodePass> | null = null;
    try {
      pass = decodePass(scan.payload.trim());
    } catch (error) {
      if (!(error instanceof PassFormatError)) throw error;
    }
    const expected = pass && (pass.signer === "platform" ? this.platformPassAddress.toLowerCase() : pass.holder.toLowerCase());
    const genuine =
      pass !== null && passSigner(pass) === expected && pass.chainId === Number(link.chain_id) && pass.contract.toLowerCase() === link.ticket_address;
    const tokenId = pass ? pass.tokenId.toString() : "0";
    const holder = pass ? pass.holder.toLowerCase() : null;
    const scannedAt = new Date(scan.scannedAt);

    return this.db.transaction(async (trx) => {
      const id = newId();
      const inserted = await trx<GateOfflineScan>(GateOfflineScan.tableName)
        .insert({
          id,
          event_contract_id: link.id,
          device_id: deviceId,
          nonce: scan.nonce,
          zone_id: scan.zoneId,
          token_id: tokenId,
          holder_address: holder,
          offline_verdict: scan.verdict,
          scanned_at: scannedAt,
          result: "refused",
          uploaded_by: principal.userId,
        })
        .onConflict(["event_contract_id", "device_id", "nonce"])
        .ignore()
        .returning("id");
      if (inserted.length === 0) {
        const stored = (await GateOfflineScan.query(trx).where({ event_contract_id: link.id, device_id: deviceId, nonce: scan.nonce }).first())!;
        return {
          nonce: scan.nonce,
          tokenId: stored.token_id,
          result: stored.result,
          conflictWith: stored.conflict_with,
          replayed: true,
        };
      }
      let result: OfflineResult = "refused";
      let conflictWith: string | null = null;
      if (scan.verdict === "admitted" && genuine) {
        const zone = await GateZone.query(trx).findById(scan.zoneId).select("kind");
        if (zone?.kind === "entrance") {
          const checkIn = await trx("gate_check_ins")
            .insert({
              id: newId(),
              event_contract_id: link.id,
              chain_id: link.chain_id,
              contract_address: link.ticket_address,
              token_id: tokenId,
              holder_address: holder,
              zone_id: scan.zoneId,
              scanner_user_id: principal.userId,
              source: "offline",
              device_id: deviceId,
              pass_nonce: pass!.nonce.toString(),
              checked_in_at: scannedAt,
            })
            .onConflict(["chain_id", "contract_address", "token_id"])
            .ignore()
            .returning("id");
          if (checkIn.length > 0) {
            result = "admitted";
          } else {
            const first = (await GateCheckIn.query(trx)
              .where({ chain_id: link.chain_id, contract_address: link.ticket_address, token_id: tokenId })
              .first()
              .select("source", "device_id", "checked_in_at"))!;
            const sameDevice = first.source === "offline" && first.device_id === deviceId;
            result = sameDevice ? "already_admitted" : "conflict";
            conflictWith = first.source === "online" ? "online" : `device:${first.device_id}`;
          }
        } else {
          result = "admitted";
        }
      }
      await GateOfflineScan.query(trx).findById(id).patch({ result, conflict_with: conflictWith });
      await trx("gate_scans").insert({
        id: newId(),
        event_contract_id: link.id,
        zone_id: scan.zoneId,
        direction: "in",
        token_id: pass ? tokenId : null,
        holder_address: holder,
        verdict: result === "refused" ? (genuine ? scan.verdict : "bad_signature") : result,
        scanner_user_id: principal.userId,
        source: "offline",
        device_id: deviceId,
        pass_nonce: pass ? pass.nonce.toString() : null,
        scanned_at: scannedAt,
      });
      await recordAudit(trx, audit, {
        action: "gate_offline_scan.uploaded",
        entityType: "gate_offline_scan",
        entityId: id,
        festivalId: link.festival_id,
        after: { device_id: deviceId, nonce: scan.nonce, token_id: tokenId, offline_verdict: scan.verdict, result, conflict_with: conflictWith },
      });
      return { nonce: scan.nonce, tokenId, result, conflictWith, replayed: false };
    });
  }
}
