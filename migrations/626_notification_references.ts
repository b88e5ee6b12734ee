import type { Knex } from "knex";

/**
 * The notification log (module notifications) carries other kinds than schedule changes:
 * a shift reminder is logged with `reference` (what it is about, e.g. `shift_signup:<id>`),
 * and a retried job never notifies a device twice for the same reference, as it never does
 * for the same schedule version. The version's uniqueness now only applies to rows that
 * have a version (before, every row without one collided on (null, user, device)).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table notification_log
      add column reference text constraint ck_notification_log_reference check (length(reference) <= 200),
      drop constraint ck_notification_log_kind,
      add constraint ck_notification_log_kind check (kind in ('schedule_changed', 'shift_reminder')),
      drop constraint uq_notification_log_version_user_device;
    create unique index uq_notification_log_version_user_device on notification_log (schedule_version_id, user_id, device_token_id) nulls not distinct
      where schedule_version_id is not null;
    create unique index uq_notification_log_reference_user_device on notification_log (reference, user_id, device_token_id) nulls not distinct
      where reference is not null;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop index uq_notification_log_reference_user_device;
    drop index uq_notification_log_version_user_device;
    delete from notification_log where kind <> 'schedule_changed';
    alter table notification_log
      add constraint uq_notification_log_version_user_device unique nulls not distinct (schedule_version_id, user_id, device_token_id),
      drop constraint ck_notification_log_kind,
      add constraint ck_notification_log_kind check (kind in ('schedule_changed')),
      drop column reference;
  `);
}
