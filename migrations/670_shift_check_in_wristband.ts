import type { Knex } from "knex";

/** A shift check-in can come from the member's cashless wristband at a kiosk. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table shift_signups drop constraint ck_shift_signups_check_in_source,
      add constraint ck_shift_signups_check_in_source check (check_in_source in ('kiosk', 'wristband', 'lead', 'offline'));
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table shift_signups drop constraint ck_shift_signups_check_in_source,
      add constraint ck_shift_signups_check_in_source check (check_in_source in ('kiosk', 'lead', 'offline'));
  `);
}
