import type { Knex } from "knex";
import { declarePersonalData } from "../../security/personal-data.js";

/** The trail is append-only; these two settings lift that for one transaction of an erasure or of the retention job only. */
const allowErasure = async (trx: Knex.Transaction) => {
  await trx.raw("set local app.personal_data_erasure = 'on'");
};

export const auditPersonalData = declarePersonalData("audit", {
  tables: [
    {
      table: "audit_log",
      columns: { actor_user_id: "link", ip: "network", user_agent: "network" },
      rows: (q, s) => q.where("actor_user_id", s.userId).orWhere("entity_id", s.userId),
      erase: {
        kind: "hold",
        reason: "the audit trail proves who changed what (accountability); kept with IP, user agent and the person's identifiers removed",
        retention: "2 years",
        set: { ip: null, user_agent: null },
      },
      scrub: ["before", "after"],
      prepare: allowErasure,
    },
  ],
  retention: [
    {
      name: "audit_log_archive",
      description: "audit rows older than 2 years move to audit_log_archive without their values, IP or user agent",
      periodDays: 730,
      run: async (db, cutoff) =>
        db.transaction(async (trx) => {
          await trx.raw("set local app.audit_retention = 'on'");
          const { rows } = await trx.raw<{ rows: Array<{ n: string }> }>(
            `with moved as (delete from audit_log where created_at < ? returning id, created_at, actor_type, action, entity_type, entity_id, organization_id, festival_id),
                  kept as (insert into audit_log_archive (id, created_at, actor_type, action, entity_type, entity_id, organization_id, festival_id)
                           select * from moved on conflict do nothing returning 1)
             select (select count(*) from moved) as n`,
            [cutoff],
          );
          return { removed: Number(rows[0]!.n) };
        }),
    },
  ],
});
