import type { Knex } from "knex";

/**
 * Log rows keyed by their place on the mirrored chain, (chain_id, block_number, log_index),
 * instead of (chain_id, block_hash, log_index) plus a second index on (chain_id, block_number).
 *
 * The mirror holds one chain: a reorg deletes every row above the common ancestor before a
 * row of the new branch is written, and a batch writes only blocks above the cursor, so a
 * (block_number, log_index) is never held by two blocks. The new key serves both what the
 * old two served, the idempotent insert (a replayed block conflicts and writes nothing) and
 * the rollback's `block_number > ancestor`, with one narrow index instead of a wide one
 * (66-character hashes) and a second one: the backfill's INSERTs maintain one index fewer.
 * The outbox keeps the block's hash in its key: a delivered fact of a dropped block stays,
 * beside the fact of the block that replaced it. Its unique key becomes (chain_id,
 * block_number, log_index, block_hash), the same uniqueness (a hash names one height), which
 * also serves the rollback's range, so ix_outbox_block goes.
 *
 * Also drops indexes nothing reads (buyer and recipient of purchases, sender of transactions).
 */
const LOG_TABLES = [
  "chain_event_creations",
  "chain_platform_fee_changes",
  "chain_tier_changes",
  "chain_purchases",
  "chain_comps",
  "chain_ticket_transfers",
  "chain_check_ins",
  "chain_resales",
  "chain_refunds",
  "chain_settlements",
  "chain_event_changes",
  "chain_payee_sets",
  "chain_split_deposits",
  "chain_split_claims",
  "chain_pending_facts",
];

export async function up(knex: Knex): Promise<void> {
  for (const table of LOG_TABLES) {
    await knex.raw(`
      alter table ${table} drop constraint pk_${table}, add constraint pk_${table} primary key (chain_id, block_number, log_index);
      drop index ix_${table}_block;`);
  }
  await knex.raw(`
    alter table outbox drop constraint uq_outbox_fact, add constraint uq_outbox_fact unique (chain_id, block_number, log_index, block_hash);
    drop index ix_outbox_block;
    drop index ix_chain_purchases_recipient;
    drop index ix_chain_purchases_buyer;
    drop index ix_chain_transactions_from;`);
}

export async function down(knex: Knex): Promise<void> {
  for (const table of LOG_TABLES) {
    await knex.raw(`
      alter table ${table} drop constraint pk_${table}, add constraint pk_${table} primary key (chain_id, block_hash, log_index);
      create index ix_${table}_block on ${table} (chain_id, block_number);`);
  }
  await knex.raw(`
    alter table outbox drop constraint uq_outbox_fact, add constraint uq_outbox_fact unique (chain_id, block_hash, log_index);
    create index ix_outbox_block on outbox (chain_id, block_number);
    create index ix_chain_purchases_recipient on chain_purchases (chain_id, recipient);
    create index ix_chain_purchases_buyer on chain_purchases (chain_id, buyer);
    create index ix_chain_transactions_from on chain_transactions (chain_id, from_address);`);
}
