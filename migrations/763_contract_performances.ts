import type { Knex } from "knex";

/**
 * Paid on performance, off-chain side (module artist-contracts): a contract's performance is
 * confirmed (the artist checked in at a performance session of the contract's production, or
 * a production manager confirmed it) or cancelled, once. The payee address in the event's
 * RevenueSplit is what the on-chain confirmation (confirmPerformance / cancelPerformance) names.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table artist_contracts
      add column performance_status text not null default 'pending'
        constraint ck_artist_contracts_performance_status check (performance_status in ('pending', 'confirmed', 'cancelled')),
      add column performance_decided_at timestamptz,
      add column performance_decided_by uuid,
      add column performance_source text constraint ck_artist_contracts_performance_source check (performance_source is null or performance_source in ('check_in', 'production_manager'))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table artist_contracts drop column performance_status, drop column performance_decided_at, drop column performance_decided_by, drop column performance_source
  `);
}
