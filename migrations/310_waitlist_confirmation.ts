import type { Knex } from "knex";

/**
 * Waitlist entries are confirmed by their email's owner: joining mails a single-use token
 * (stored as its sha-256) and the entry stays pending until it comes back. The token lives
 * only while the entry is pending.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table waitlist_entries
      add column confirmation_token_hash char(64) constraint uq_waitlist_entries_confirmation_token_hash unique,
      add column confirmation_expires_at timestamptz,
      add constraint ck_waitlist_entries_token_while_pending check (confirmation_token_hash is null or status = 'pending'),
      add constraint ck_waitlist_entries_token_expires check ((confirmation_token_hash is null) = (confirmation_expires_at is null))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table waitlist_entries
      drop constraint ck_waitlist_entries_token_expires,
      drop constraint ck_waitlist_entries_token_while_pending,
      drop column confirmation_expires_at,
      drop column confirmation_token_hash
  `);
}
