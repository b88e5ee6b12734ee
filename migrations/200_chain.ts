import type { Knex } from "knex";

/**
 * Chain mirror, part 1: what the indexer needs whatever the contracts emit.
 *
 * - chain_blocks: blocks the indexer has seen (every block near the head, range ends and
 *   blocks with logs during backfill); the parent-hash chain used to detect reorgs.
 * - chain_transactions: the transaction of every handled log.
 * - smart_contracts: the registry of followed contracts; ticket and split contracts are
 *   discovered from the factory's EventCreated, not configured.
 * - chain_pending_facts: facts of blocks that are not final yet; moved to `outbox` once
 *   final, deleted when their block is dropped by a reorg.
 * - outbox: finalized facts, one row per fact, for the backend's webhooks/notifications.
 *
 * Invariants: chain_id is part of every key; every row derived from a log carries
 * (block_number, block_hash) so a rollback is `delete ... where block_number > ancestor`.
 * Mirror tables have no created_by/updated_by: the chain is their only writer.
 */
export const ADDRESS_CHECK = "~ '^0x[0-9a-f]{40}$'";
export const HASH_CHECK = "~ '^0x[0-9a-f]{64}$'";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table chain_blocks (
      chain_id bigint not null,
      number bigint not null,
      hash text not null constraint ck_chain_blocks_hash check (hash ${HASH_CHECK}),
      parent_hash text not null constraint ck_chain_blocks_parent_hash check (parent_hash ${HASH_CHECK}),
      timestamp timestamptz not null,
      constraint pk_chain_blocks primary key (chain_id, number),
      constraint uq_chain_blocks_hash unique (chain_id, hash)
    );

    create table chain_transactions (
      chain_id bigint not null,
      hash text not null constraint ck_chain_transactions_hash check (hash ${HASH_CHECK}),
      block_number bigint not null,
      block_hash text not null,
      transaction_index integer not null,
      from_address text not null constraint ck_chain_transactions_from check (from_address ${ADDRESS_CHECK}),
      to_address text constraint ck_chain_transactions_to check (to_address ${ADDRESS_CHECK}),
      value numeric(78,0) not null,
      gas_used numeric(78,0) not null,
      effective_gas_price numeric(78,0) not null,
      status text not null constraint ck_chain_transactions_status check (status in ('success', 'reverted')),
      constraint pk_chain_transactions primary key (chain_id, hash)
    );
    create index ix_chain_transactions_block on chain_transactions (chain_id, block_number);
    create index ix_chain_transactions_from on chain_transactions (chain_id, from_address);

    create table smart_contracts (
      chain_id bigint not null,
      address text not null constraint ck_smart_contracts_address check (address ${ADDRESS_CHECK}),
      kind text not null constraint ck_smart_contracts_kind check (kind in ('factory', 'event_ticket', 'revenue_split')),
      event_id numeric(78,0),
      factory_address text,
      deployment_block_number bigint not null,
      deployment_block_hash text,
      deployment_tx_hash text,
      deployment_log_index integer,
      status text not null default 'active'
        constraint ck_smart_contracts_status check (status in ('active', 'paused', 'cancelled', 'settled')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint pk_smart_contracts primary key (chain_id, address),
      constraint ck_smart_contracts_event check ((kind = 'factory') = (event_id is null))
    );
    create index ix_smart_contracts_event on smart_contracts (chain_id, event_id);
    create index ix_smart_contracts_block on smart_contracts (chain_id, deployment_block_number);
    create trigger tr_smart_contracts_updated_at before update on smart_contracts
      for each row execute function set_updated_at();

    create table chain_pending_facts (
      chain_id bigint not null,
      block_number bigint not null,
      block_hash text not null,
      log_index integer not null,
      tx_hash text not null,
      contract_address text not null,
      topic text not null,
      payload jsonb not null,
      block_timestamp timestamptz not null,
      constraint pk_chain_pending_facts primary key (chain_id, block_hash, log_index)
    );
    create index ix_chain_pending_facts_block on chain_pending_facts (chain_id, block_number);

    create table outbox (
      id uuid not null constraint pk_outbox primary key,
      chain_id bigint not null,
      block_number bigint not null,
      block_hash text not null,
      log_index integer not null,
      tx_hash text not null,
      contract_address text not null,
      topic text not null,
      payload jsonb not null,
      block_timestamp timestamptz not null,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      constraint uq_outbox_fact unique (chain_id, block_hash, log_index)
    );
    create index ix_outbox_undelivered on outbox (created_at) where delivered_at is null;
    create index ix_outbox_block on outbox (chain_id, block_number);

    alter table indexer_cursors
      add column finalized_block_number bigint not null default 0,
      add column confirmations integer not null default 0,
      add column lag_seconds integer not null default 0,
      add column factory_address text;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table indexer_cursors
      drop column finalized_block_number, drop column confirmations, drop column lag_seconds, drop column factory_address;
    drop table outbox;
    drop table chain_pending_facts;
    drop table smart_contracts;
    drop table chain_transactions;
    drop table chain_blocks;
  `);
}
