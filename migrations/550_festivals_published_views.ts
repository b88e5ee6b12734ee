import type { Knex } from "knex";

/**
 * Published reads for other modules' hot paths, so they never name the owner's tables:
 *
 * - live_festivals (festivals module): a festival that is not deleted, with its organization
 *   and name. festival-access resolves a festival's organization through it in the
 *   per-request access statement; events reads an event's festival through it.
 * - edition_time_zones (festivals module): every edition's festival and IANA time zone
 *   (deleted editions too: an event keeps showing its times in its edition's zone).
 * - organization_member_roles (organizations module): who has which role in an organization,
 *   joined into the festival access statement and the accessible-festivals subquery.
 *
 * All three are simple views: Postgres inlines them, so the plans are those of the joins
 * they replace.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create view live_festivals as
      select f.id, f.organization_id, f.name
        from festivals f
       where f.deleted_at is null;

    create view edition_time_zones as
      select e.id, e.festival_id, e.timezone
        from editions e;

    create view organization_member_roles as
      select m.organization_id, m.user_id, m.role
        from organization_members m;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop view organization_member_roles;
    drop view edition_time_zones;
    drop view live_festivals;
  `);
}
