import type { Knex } from "knex";
import type { Address } from "viem";
import { LRUCache } from "lru-cache";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";
import { GateScan, GateZone, zoneScanView, zoneView, type ZoneKind, type ZoneView } from "./models.js";

/**
 * Zones of an event: entrances (every category; first entry = the ticket's check-in) and
 * areas (only the categories mapped to them), with an optional capacity. Occupancy moves
 * only by conditional UPDATEs in scan.ts and the check constraint
 * ck_gate_zones_occupancy_within_capacity holds it within capacity whatever happens.
 */
export interface ZoneInfo {
  id: string;
  code: string;
  name: string;
  eventContractId: string;
  festivalId: string;
  chainId: number;
  /** Lowercase ticket contract; null while the event contract is not linked yet. */
  contract: Address | null;
  kind: ZoneKind;
  capacity: number | null;
  allowReentry: boolean;
  /** Tier ids allowed in; null = every tier (entrances). */
  allowedTiers: Set<number> | null;
  categoryNames: Map<number, string>;
}

const ZONE_TTL_MS = 5_000;

/** Zone configuration for the scan hot path, cached for a few seconds (capacity itself is enforced in SQL). */
export class ZoneDirectory {
  private readonly cache = new LRUCache<string, { zone: ZoneInfo | null }>({ max: 10_000, ttl: ZONE_TTL_MS });

  constructor(private readonly db: Knex) {}

  invalidate(zoneId?: string): void {
    if (zoneId) this.cache.delete(zoneId);
    else this.cache.clear();
  }

  async get(zoneId: string): Promise<ZoneInfo | null> {
    const hit = this.cache.get(zoneId);
    if (hit) return hit.zone;
    // Measured hot path (a scan's cache miss): one round trip on knex/SQL, not a model graph. It reads
    // the views event-contracts publishes (event_contract_links, _tiers, _tier_zones); they inline,
    // and EXPLAIN shows the same plan as on its tables.
    const { rows } = await this.db.raw<{ rows: DirectoryRow[] }>(
      `select z.id, z.code, z.name, z.kind, z.capacity, z.allow_reentry, z.event_contract_id,
              ec.festival_id, ec.chain_id::int as chain_id, ec.ticket_address,
              (select coalesce(json_agg(json_build_object('tierId', c.tier_id, 'name', c.name)), '[]'::json)
                 from event_contract_tiers c where c.event_contract_id = ec.id) as categories,
              (select coalesce(json_agg(tz.tier_id), '[]'::json)
                 from event_contract_tier_zones tz where tz.zone_id = z.id) as tiers
         from gate_zones z join event_contract_links ec on ec.id = z.event_contract_id
        where z.id = ?`,
      [zoneId],
    );
    const r = rows[0];
    const zone: ZoneInfo | null = r
      ? {
          id: r.id,
          code: r.code,
          name: r.name,
          eventContractId: r.event_contract_id,
          festivalId: r.festival_id,
          chainId: r.chain_id,
          contract: r.ticket_address,
          kind: r.kind,
          capacity: r.capacity,
          allowReentry: r.allow_reentry,
          allowedTiers: r.kind === "entrance" ? null : new Set<number>(r.tiers),
          categoryNames: new Map(r.categories.map((c) => [c.tierId, c.name])),
        }
      : null;
    this.cache.set(zoneId, { zone });
    return zone;
  }
}

interface DirectoryRow {
  id: string;
  code: string;
  name: string;
  kind: ZoneKind;
  capacity: number | null;
  allow_reentry: boolean;
  event_contract_id: string;
  festival_id: string;
  chain_id: number;
  ticket_address: Address | null;
  categories: Array<{ tierId: number; name: string }>;
  tiers: number[];
}

export interface ZoneInput {
  code: string;
  name: string;
  kind: ZoneKind;
  capacity?: number | null;
  /** Default: false for entrances (a ticket enters the festival once), true for areas. */
  allowReentry?: boolean;
}

/** A new gate_zones row, the one place its defaults live. */
export function zoneRow(eventContractId: string, input: ZoneInput, userId: string) {
  return {
    id: newId(),
    event_contract_id: eventContractId,
    code: input.code,
    name: input.name,
    kind: input.kind,
    capacity: input.capacity ?? null,
    allow_reentry: input.allowReentry ?? input.kind === "area",
    created_by: userId,
    updated_by: userId,
  };
}

/** The zones of a new event contract, in the caller's transaction (its audit row covers them). Returns code -> zone id. */
export async function insertZones(trx: Knex.Transaction, eventContractId: string, zones: ZoneInput[], userId: string): Promise<Map<string, string>> {
  const rows = zones.map((zone) => zoneRow(eventContractId, zone, userId));
  if (rows.length) await GateZone.query(trx).insert(rows);
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** The zones of several event contracts in one query, each list ordered by kind and code. */
export async function zonesOf(db: Knex, eventContractIds: string[]): Promise<Map<string, ZoneView[]>> {
  const out = new Map<string, ZoneView[]>(eventContractIds.map((id) => [id, []]));
  if (!eventContractIds.length) return out;
  const rows = await GateZone.query(db)
    .whereIn("event_contract_id", eventContractIds)
    .orderBy([{ column: "kind" }, { column: "code" }]);
  for (const row of rows) out.get(row.event_contract_id)?.push(zoneView(row));
  return out;
}

/** Ids of an event contract's zones by code (codes it does not have are missing from the map). */
export async function zoneIdsByCode(db: Knex | Knex.Transaction, eventContractId: string, codes: string[]): Promise<Map<string, string>> {
  const rows = await GateZone.query(db).where({ event_contract_id: eventContractId }).whereIn("code", codes).select("id", "code");
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** How the gate checks a caller's access to an event contract (the event-contracts service does it). */
export interface EventContractAccess {
  load(principal: Principal, id: string, required: FestivalAccessRequirement): Promise<{ festival_id: string }>;
}

export class ZonesService {
  constructor(
    private readonly db: Knex,
    private readonly eventContracts: EventContractAccess,
    private readonly directory: ZoneDirectory,
  ) {}

  /** An event's zones, a page at a time, ordered by kind and code. */
  async list(principal: Principal, eventContractId: string, page: PageQuery) {
    await this.eventContracts.load(principal, eventContractId, { level: "viewer" });
    const query = GateZone.query(this.db).where({ event_contract_id: eventContractId });
    return paginate(query.toKnexQuery(), page, { column: ["kind", "code"], order: "asc" }, (row) => zoneView(GateZone.fromDatabaseJson(row)));
  }

  async create(principal: Principal, audit: AuditContext, eventContractId: string, input: ZoneInput) {
    const link = await this.eventContracts.load(principal, eventContractId, { level: "manager", scope: "editions" });
    const row = zoneRow(eventContractId, input, principal.userId);
    const zone = await this.db.transaction(async (trx) => {
      let inserted: GateZone;
      try {
        inserted = await GateZone.query(trx).insert(row).returning("*");
      } catch (error) {
        if ((error as { code?: string }).code === "23505") throw new HttpError(409, "zone_code_taken", `zone ${input.code} already exists`);
        throw error;
      }
      await recordAudit(trx, audit, { action: "gate_zone.created", entityType: "gate_zone", entityId: row.id, festivalId: link.festival_id, after: row });
      return inserted;
    });
    return zoneView(zone);
  }

  /** The zone, if the caller may see its event at `required` (404 for both a missing zone and one of an event they cannot see). */
  private async zoneFor(principal: Principal, zoneId: string, required: FestivalAccessRequirement) {
    const zone = await GateZone.query(this.db).findById(zoneId);
    const notFound = () => new HttpError(404, "zone_not_found", `zone ${zoneId} not found`);
    if (!zone) throw notFound();
    const link = await this.eventContracts.load(principal, zone.event_contract_id, required).catch((error) => {
      if ((error as HttpError).status === 404) throw notFound();
      throw error;
    });
    return { zone, link };
  }

  async update(principal: Principal, audit: AuditContext, zoneId: string, input: { name?: string; capacity?: number | null; allowReentry?: boolean }) {
    const { zone, link } = await this.zoneFor(principal, zoneId, { level: "manager", scope: "editions" });
    const patch = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.allowReentry !== undefined ? { allow_reentry: input.allowReentry } : {}),
      updated_by: principal.userId,
    };
    const updated = await this.db.transaction(async (trx) => {
      let row: GateZone | undefined;
      try {
        [row] = await GateZone.query(trx).where({ id: zoneId }).patch(patch).returning("*");
      } catch (error) {
        if ((error as { code?: string }).code === "23514") {
          throw new HttpError(409, "capacity_below_occupancy", "the zone holds more people than that capacity right now");
        }
        throw error;
      }
      await recordAudit(trx, audit, {
        action: "gate_zone.updated",
        entityType: "gate_zone",
        entityId: zoneId,
        festivalId: link.festival_id,
        before: zone,
        after: patch,
      });
      return row!;
    });
    this.directory.invalidate(zoneId);
    return zoneView(updated);
  }

  /** The zone access log: every scan, newest first (exact cursors: scans sharing a millisecond are each read once). */
  async log(principal: Principal, zoneId: string, page: PageQuery) {
    await this.zoneFor(principal, zoneId, { level: "viewer" });
    const query = GateScan.query(this.db).where({ zone_id: zoneId });
    return paginate(query.toKnexQuery(), page, { column: "scanned_at", order: "desc" }, (row) => zoneScanView(GateScan.fromDatabaseJson(row)));
  }
}

/** A zone as other modules see it (the shifts' coverage board, a shift's zone): whose it is, its capacity and who is inside now. */
export interface ZoneSummary {
  id: string;
  festivalId: string;
  code: string;
  name: string;
  capacity: number | null;
  occupancy: number;
}

/** The gate's published read of zones by id, in one statement; ids it does not know are missing from the map. */
export async function zoneSummaries(db: Knex | Knex.Transaction, zoneIds: string[]): Promise<Map<string, ZoneSummary>> {
  const out = new Map<string, ZoneSummary>();
  if (zoneIds.length === 0) return out;
  const rows: Array<{ id: string; festival_id: string; code: string; name: string; capacity: number | null; occupancy: number }> = await db("gate_zones as z")
    .join("event_contract_links as ec", "ec.id", "z.event_contract_id")
    .whereIn("z.id", [...new Set(zoneIds)])
    .select("z.id", "ec.festival_id", "z.code", "z.name", "z.capacity", "z.occupancy");
  for (const r of rows) out.set(r.id, { id: r.id, festivalId: r.festival_id, code: r.code, name: r.name, capacity: r.capacity, occupancy: r.occupancy });
  return out;
}
