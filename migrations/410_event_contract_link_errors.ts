import type { Knex } from "knex";

/**
 * event_contracts.link_error: why a pending link whose claim the mirror has could not be
 * linked (its on-chain event belongs to another link), shown to the organizer; cleared on linking.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("alter table event_contracts add column link_error text");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("alter table event_contracts drop column link_error");
}
