import type { Knex } from "knex";
import type { Address } from "viem";
import { LRUCache } from "lru-cache";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { decodeCursor, encodeCursor, type PageQuery } from "../../http/pagination.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import type { FestivalAccessRequirement } from "../festival-access/service.js";

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
  kind: "entrance" | "area";
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
    // Reads the event-contracts module's event_contracts and ticket_categories in the same query:
    // a cache miss on the scan hot path stays one round trip.
    const rows = await this.db.raw(
      `select z.id, z.code, z.name, z.kind, z.capacity, z.allow_reentry, z.event_contract_id,
              ec.festival_id, ec.chain_id::int as chain_id, ec.ticket_address,
              (select coalesce(json_agg(json_build_object('tierId', c.tier_id, 'name', c.name)), '[]'::json)
                 from ticket_categories c where c.event_contract_id = ec.id) as categories,
              (select coalesce(json_agg(c.tier_id), '[]'::json)
                 from ticket_category_zones cz join ticket_categories c on c.id = cz.ticket_category_id where cz.zone_id = z.id) as tiers
         from gate_zones z join event_contracts ec on ec.id = z.event_contract_id
        where z.id = ?`,
      [zoneId],
    );
    const r = rows.rows[0];
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
          allowedTiers: r.kind === "entrance" ? null : new Set<number>(r.tiers as number[]),
          categoryNames: new Map((r.categories as Array<{ tierId: number; name: string }>).map((c) => [c.tierId, c.name])),
        }
      : null;
    this.cache.set(zoneId, { zone });
    return zone;
  }
}

export interface ZoneInput {
  code: string;
  name: string;
  kind: "entrance" | "area";
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

export function zoneView(z: Record<string, unknown>) {
  return {
    id: z.id as string,
    code: z.code as string,
    name: z.name as string,
    kind: z.kind as "entrance" | "area",
    capacity: (z.capacity as number | null) ?? null,
    occupancy: z.occupancy as number,
    allowReentry: z.allow_reentry as boolean,
  };
}

/** The zones of a new event contract, in the caller's transaction (its audit row covers them). Returns code -> zone id. */
export async function insertZones(trx: Knex.Transaction, eventContractId: string, zones: ZoneInput[], userId: string): Promise<Map<string, string>> {
  const rows = zones.map((zone) => zoneRow(eventContractId, zone, userId));
  if (rows.length) await trx("gate_zones").insert(rows);
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** The zones of several event contracts in one query, each list ordered by kind and code. */
export async function zonesOf(db: Knex, eventContractIds: string[]): Promise<Map<string, Array<ReturnType<typeof zoneView>>>> {
  const out = new Map<string, Array<ReturnType<typeof zoneView>>>(eventContractIds.map((id) => [id, []]));
  if (!eventContractIds.length) return out;
  const rows = await db("gate_zones")
    .whereIn("event_contract_id", eventContractIds)
    .orderBy([{ column: "kind" }, { column: "code" }]);
  for (const row of rows) out.get(row.event_contract_id)?.push(zoneView(row));
  return out;
}

/** Ids of an event contract's zones by code (codes it does not have are missing from the map). */
export async function zoneIdsByCode(db: Knex | Knex.Transaction, eventContractId: string, codes: string[]): Promise<Map<string, string>> {
  const rows = await db("gate_zones").where({ event_contract_id: eventContractId }).whereIn("code", codes).select("id", "code");
  return new Map(rows.map((r) => [r.code as string, r.id as string]));
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

  async list(principal: Principal, eventContractId: string) {
    await this.eventContracts.load(principal, eventContractId, { level: "viewer" });
    const rows = await this.db("gate_zones")
      .where({ event_contract_id: eventContractId })
      .orderBy([{ column: "kind" }, { column: "code" }]);
    return { items: rows.map(zoneView) };
  }

  async create(principal: Principal, audit: AuditContext, eventContractId: string, input: ZoneInput) {
    const link = await this.eventContracts.load(principal, eventContractId, { level: "manager", scope: "editions" });
    const row = zoneRow(eventContractId, input, principal.userId);
    await this.db.transaction(async (trx) => {
      try {
        await trx("gate_zones").insert(row);
      } catch (error) {
        if ((error as { code?: string }).code === "23505") throw new HttpError(409, "zone_code_taken", `zone ${input.code} already exists`);
        throw error;
      }
      await recordAudit(trx, audit, { action: "gate_zone.created", entityType: "gate_zone", entityId: row.id, festivalId: link.festival_id, after: row });
    });
    return zoneView({ ...row, occupancy: 0 });
  }

  async update(principal: Principal, audit: AuditContext, zoneId: string, input: { name?: string; capacity?: number | null; allowReentry?: boolean }) {
    const zone = await this.db("gate_zones").where({ id: zoneId }).first();
    if (!zone) throw new HttpError(404, "zone_not_found", `zone ${zoneId} not found`);
    const link = await this.eventContracts.load(principal, zone.event_contract_id, { level: "manager", scope: "editions" }).catch((error) => {
      if ((error as HttpError).status === 404) throw new HttpError(404, "zone_not_found", `zone ${zoneId} not found`);
      throw error;
    });
    const patch = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.capacity !== undefined ? { capacity: input.capacity } : {}),
      ...(input.allowReentry !== undefined ? { allow_reentry: input.allowReentry } : {}),
      updated_by: principal.userId,
    };
    const updated = await this.db.transaction(async (trx) => {
      let row;
      try {
        [row] = await trx("gate_zones").where({ id: zoneId }).update(patch).returning("*");
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
      return row;
    });
    this.directory.invalidate(zoneId);
    return zoneView(updated);
  }

  /** The zone access log: every scan, newest first. */
  async log(principal: Principal, zoneId: string, page: PageQuery) {
    const zone = await this.db("gate_zones").where({ id: zoneId }).first("event_contract_id");
    if (!zone) throw new HttpError(404, "zone_not_found", `zone ${zoneId} not found`);
    await this.eventContracts.load(principal, zone.event_contract_id, { level: "viewer" }).catch((error) => {
      if ((error as HttpError).status === 404) throw new HttpError(404, "zone_not_found", `zone ${zoneId} not found`);
      throw error;
    });
    const query = this.db("gate_scans").where({ zone_id: zoneId });
    if (page.cursor) {
      const [at, id] = decodeCursor(page.cursor);
      query.whereRaw("(scanned_at, id) < (?::timestamptz, ?::uuid)", [at, id]);
    }
    const rows = await query
      .orderBy([
        { column: "scanned_at", order: "desc" },
        { column: "id", order: "desc" },
      ])
      .limit(page.limit + 1);
    const hasMore = rows.length > page.limit;
    const items = (hasMore ? rows.slice(0, page.limit) : rows).map((r) => ({
      id: r.id as string,
      direction: r.direction as "in" | "out",
      tokenId: (r.token_id as string | null) ?? null,
      holder: (r.holder_address as string | null) ?? null,
      verdict: r.verdict as string,
      scannerUserId: (r.scanner_user_id as string | null) ?? null,
      source: r.source as "online" | "offline",
      deviceId: (r.device_id as string | null) ?? null,
      scannedAt: (r.scanned_at as Date).toISOString(),
    }));
    const last = items[items.length - 1];
    return { items, nextCursor: hasMore && last ? encodeCursor([last.scannedAt, last.id]) : null };
  }
}
