import type { Knex } from "knex";

/**
 * indexer_status: what the indexer process is doing, per chain, for GET /ready. The cursor
 * says how far the mirror got; this says whether the loop behind it is alive (heartbeat_at)
 * and whether it keeps failing (failures in a row, the last error), which a cursor that
 * merely stands still cannot tell apart from a quiet chain.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table indexer_status (
      chain_id bigint not null constraint pk_indexer_status primary key,
      state text not null constraint ck_indexer_status_state check (state in ('running', 'failing', 'stopped')),
      failures integer not null default 0 constraint ck_indexer_status_failures check (failures >= 0),
      last_error text,
      last_error_at timestamptz,
      heartbeat_at timestamptz not null,
      started_at timestamptz not null
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table indexer_status");
}
