import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { assertEditionAccess } from "../festivals/service.js";
import { zoneSummaries } from "../gate/zones.js";
import { activeMemberOfUser } from "./directory.js";

/**
 * The live coverage board (the festival's viewers and the edition's shift leads): for the shifts under way at `at` (default now), per zone and
 * department, how many people are needed, signed up and present (checked in), with the gate's
 * live occupancy of the zone beside it (the gate's zoneSummaries, never its tables).
 * One grouped statement over the edition's shifts, plus one for the zones.
 */
export async function coverageBoard(db: Knex, principal: Principal, editionId: string, at?: string) {
  // the festival's viewers, and the edition's shift leads
  const self = await activeMemberOfUser(db, editionId, principal.userId);
  if (!self?.is_lead) await assertEditionAccess(db, principal, editionId, { level: "viewer" });
  const when = at ? new Date(at) : new Date();
  const { rows } = await db.raw<{
    rows: Array<{ zone_id: string | null; department_id: string; shifts: number; needed: number; signed_up: number; present: number }>;
  }>(
    `select s.zone_id, s.department_id, count(*)::int as shifts, sum(s.needed)::int as needed, sum(s.signed_up)::int as signed_up,
            coalesce(sum(p.present), 0)::int as present
       from shifts s
       left join lateral (select count(*)::int as present from shift_signups su where su.shift_id = s.id and su.status = 'IN_PROGRESS') p on true
      where s.edition_id = ? and s.status = 'scheduled' and s.starts_at <= ? and s.ends_at > ?
      group by s.zone_id, s.department_id
      order by s.department_id, s.zone_id nulls first`,
    [editionId, when, when],
  );
  const zones = await zoneSummaries(
    db,
    rows.flatMap((r) => (r.zone_id ? [r.zone_id] : [])),
  );
  return {
    editionId,
    at: when.toISOString(),
    rows: rows.map((r) => {
      const zone = r.zone_id ? zones.get(r.zone_id) : undefined;
      return {
        zoneId: r.zone_id,
        departmentId: r.department_id,
        shifts: r.shifts,
        needed: r.needed,
        signedUp: r.signed_up,
        present: r.present,
        zone: zone ? { code: zone.code, name: zone.name, capacity: zone.capacity, occupancy: zone.occupancy } : null,
      };
    }),
  };
}
