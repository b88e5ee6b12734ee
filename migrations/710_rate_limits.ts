import type { Knex } from "knex";

/**
 * rate_limit_counters: the rate limits' fixed windows, shared by every API process (a limit
 * per process would multiply with the number of processes). Unlogged: a crash forgets the
 * current minute's counts, which only lets a client start its window over.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create unlogged table rate_limit_counters (
      key text not null constraint pk_rate_limit_counters primary key,
      hits integer not null constraint ck_rate_limit_counters_hits check (hits >= 0),
      window_ends_at timestamptz not null
    );
    create index ix_rate_limit_counters_window_ends_at on rate_limit_counters (window_ends_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table rate_limit_counters");
}
