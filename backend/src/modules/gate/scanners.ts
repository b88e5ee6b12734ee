import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
import { hasPermission, type Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { recordAudit } from "../audit/service.js";
import { assertFestivalAccess } from "../festival-access/service.js";
import { userHasPermission, userSummaries } from "../users/service.js";
import { fn } from "objection";
import { GateScanner } from "./models.js";

/**
 * Scanner accounts: staff users (platform role `security`, which grants `tickets.scan`; no
 * wallet needed, they sign in with email and password) assigned to a festival by one of its
 * managers (gate_scanners). Platform admins may scan anywhere.
 *
 * The answer is cached per (user, festival) for CACHE_MS on the scan hot path; a revocation
 * through this process takes effect at once, through another API process within CACHE_MS.
 */
const CACHE_MS = 30_000;

interface ZoneRow {
  id: string;
  code: string;
  name: string;
  kind: "entrance" | "area";
}

export class ScannerAccess {
  private readonly cache = new LRUCache<string, true>({ max: 50_000, ttl: CACHE_MS });

  constructor(private readonly db: Knex) {}

  async assert(principal: Principal, festivalId: string): Promise<void> {
    const isAdmin = principal.roles.has("admin");
    if (!isAdmin && !hasPermission(principal, "tickets.scan")) {
      throw new HttpError(403, "not_a_scanner", "scanning needs a staff account with the security role");
    }
    const key = `${principal.userId}:${festivalId}`;
    if (this.cache.get(key)) return;
    const assigned =
      isAdmin ||
      (await GateScanner.query(this.db).where({ festival_id: festivalId, user_id: principal.userId }).whereNull("revoked_at").first().select("id")) !==
        undefined;
    if (!assigned) throw new HttpError(403, "scanner_not_assigned", "you are not a scanner for this festival");
    this.cache.set(key, true);
  }

  /**
   * Where the caller scans: the festivals they are an active scanner of (every festival for a
   * platform admin is too many to list: admins get the ones they were assigned like anyone),
   * each with its linked events and their zones, so a scanner app can offer the choice.
   */
  async assignments(principal: Principal) {
    if (!principal.roles.has("admin") && !hasPermission(principal, "tickets.scan")) {
      throw new HttpError(403, "not_a_scanner", "scanning needs a staff account with the security role");
    }
    const { rows } = await this.db.raw<{
      rows: Array<{ festival_id: string; festival_name: string; event_contract_id: string | null; event_name: string | null; zones: ZoneRow[] | null }>;
    }>(
      `select s.festival_id, f.name as festival_name, ec.id as event_contract_id, ec.name as event_name,
              (select json_agg(json_build_object('id', z.id, 'code', z.code, 'name', z.name, 'kind', z.kind) order by z.kind = 'entrance' desc, z.code)
                 from gate_zones z where z.event_contract_id = ec.id) as zones
         from gate_scanners s
         join live_festivals f on f.id = s.festival_id
         left join event_contract_links ec on ec.festival_id = s.festival_id and ec.status = 'linked'
        where s.user_id = ? and s.revoked_at is null
        order by f.name, s.festival_id, ec.name`,
      [principal.userId],
    );
    const festivals = new Map<string, { festivalId: string; name: string; events: Array<{ eventContractId: string; name: string; zones: ZoneRow[] }> }>();
    for (const r of rows) {
      let festival = festivals.get(r.festival_id);
      if (!festival) festivals.set(r.festival_id, (festival = { festivalId: r.festival_id, name: r.festival_name, events: [] }));
      if (r.event_contract_id) festival.events.push({ eventContractId: r.event_contract_id, name: r.event_name ?? "", zones: r.zones ?? [] });
    }
    return { items: [...festivals.values()] };
  }

  forget(userId: string, festivalId: string): void {
    this.cache.delete(`${userId}:${festivalId}`);
  }

  /** A festival's scanners, a page at a time, in the order they were first assigned (ids are time-ordered). */
  async list(principal: Principal, festivalId: string, page: PageQuery) {
    await assertFestivalAccess(this.db, principal, festivalId, { level: "viewer" });
    const query = GateScanner.query(this.db).where("festival_id", festivalId).whereNull("revoked_at").select("id", "user_id", "created_at");
    const rows = await paginate(query.toKnexQuery(), page, { column: [], order: "asc" }, (row) => GateScanner.fromDatabaseJson(row));
    const people = await userSummaries(
      this.db,
      rows.items.map((r) => r.user_id),
    );
    return {
      items: rows.items.map((r) => ({
        userId: r.user_id,
        displayName: people.get(r.user_id)?.displayName ?? null,
        email: people.get(r.user_id)?.email ?? null,
        assignedAt: r.created_at.toISOString(),
      })),
      nextCursor: rows.nextCursor,
    };
  }

  async assign(principal: Principal, audit: AuditContext, festivalId: string, userId: string) {
    const access = await assertFestivalAccess(this.db, principal, festivalId, { level: "manager" });
    const isSecurity = await userHasPermission(this.db, userId, "tickets.scan");
    if (!isSecurity) {
      throw new HttpError(422, "not_security_staff", "only staff with the security role (permission tickets.scan) can scan tickets", [
        { field: "body.userId", message: "user has no security role (or does not exist)" },
      ]);
    }
    await this.db.transaction(async (trx) => {
      // an upsert (a revoked scanner assigned again keeps its row): knex, as objection has no onConflict
      const [row] = await trx<GateScanner>(GateScanner.tableName)
        .insert({ id: newId(), festival_id: festivalId, user_id: userId, created_by: principal.userId, updated_by: principal.userId })
        .onConflict(["festival_id", "user_id"])
        .merge({ revoked_at: null, updated_by: principal.userId, updated_at: trx.fn.now() })
        .returning("*");
      await recordAudit(trx, audit, {
        action: "gate_scanner.assigned",
        entityType: "gate_scanner",
        entityId: row!.id,
        organizationId: access.organizationId,
        festivalId,
        after: row,
      });
    });
    return { userId, festivalId };
  }

  async revoke(principal: Principal, audit: AuditContext, festivalId: string, userId: string): Promise<void> {
    const access = await assertFestivalAccess(this.db, principal, festivalId, { level: "manager" });
    await this.db.transaction(async (trx) => {
      const [row] = await GateScanner.query(trx)
        .where({ festival_id: festivalId, user_id: userId })
        .whereNull("revoked_at")
        .patch({ revoked_at: fn.now(), updated_by: principal.userId })
        .returning("*");
      if (!row) throw new HttpError(404, "scanner_not_found", "this user is not a scanner of this festival");
      await recordAudit(trx, audit, {
        action: "gate_scanner.revoked",
        entityType: "gate_scanner",
        entityId: row.id,
        organizationId: access.organizationId,
        festivalId,
        after: row,
      });
    });
    this.forget(userId, festivalId);
  }
}
