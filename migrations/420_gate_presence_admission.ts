import type { Knex } from "knex";

/**
 * gate_zone_presence remembers which scan let the ticket in (pass nonce, scanner, device), so
 * the same scan sent again (its answer lost on the network) is recognised and answered with
 * its first verdict instead of "already inside". Plain uuid, no FK: it only identifies a scan.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table gate_zone_presence
      add column pass_nonce numeric(20,0),
      add column scanner_user_id uuid,
      add column device_id text
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("alter table gate_zone_presence drop column pass_nonce, drop column scanner_user_id, drop column device_id");
}
