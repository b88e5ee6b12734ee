import type { Knex } from "knex";

/**
 * The chain mirror of paid on performance (written by the indexer): one row per
 * PerformanceRequired, PerformanceConfirmed, PerformanceCancelled and PerformanceConfirmerSet
 * log of a RevenueSplit. chain_split_balances (recomputed by the indexer) reads the latest
 * row per payee after the split's latest PayeesSet: a pending fixed amount is not owed yet,
 * a cancelled one is released back to the remainder.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table chain_split_performances (
      chain_id bigint not null,
      block_number bigint not null,
      block_hash text not null,
      log_index integer not null,
      tx_hash text not null,
      contract_address text not null constraint ck_chain_split_performances_contract_address check (contract_address ~ '^0x[0-9a-f]{40}$'),
      kind text not null constraint ck_chain_split_performances_kind check (kind in ('required', 'confirmed', 'cancelled', 'confirmer_set')),
      payee text not null constraint ck_chain_split_performances_payee check (payee ~ '^0x[0-9a-f]{40}$'),
      token_address text constraint ck_chain_split_performances_token check (token_address is null or token_address ~ '^0x[0-9a-f]{40}$'),
      amount numeric(78,0),
      by_address text constraint ck_chain_split_performances_by check (by_address is null or by_address ~ '^0x[0-9a-f]{40}$'),
      block_timestamp timestamptz not null,
      constraint pk_chain_split_performances primary key (chain_id, block_number, log_index)
    );
    create index ix_chain_split_performances_contract on chain_split_performances (chain_id, contract_address, payee, block_number desc, log_index desc);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table chain_split_performances");
}
