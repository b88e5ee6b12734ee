import type { Knex } from "knex";

/**
 * Offline terminal journals (module `cashless`): each payment a terminal took without the
 * network, as uploaded. Entries form a hash chain per terminal (`prev_hash` = the previous
 * entry's `hash`, the first one's is 64 zeros), each signed by the terminal's Ed25519 key.
 * An entry is stored once per (terminal, seq) and per transfer id, whatever the number of
 * uploads; `outcome` says what the ledger made of it and `conflict` why, when it was not a
 * plain payment (band overspent across terminals: the rest booked to the band's debt account).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table cashless_offline_entries (
      id uuid constraint pk_cashless_offline_entries primary key,
      terminal_id uuid not null constraint fk_cashless_offline_entries_terminal references vendor_terminals (id) on delete restrict,
      edition_id uuid not null constraint fk_cashless_offline_entries_edition references editions (id) on delete restrict,
      seq bigint not null constraint ck_cashless_offline_entries_seq check (seq > 0),
      transfer_id uuid not null,
      hash char(64) not null,
      prev_hash char(64) not null,
      signature char(128) not null,
      tag_id varchar(32) not null,
      amount bigint not null,
      currency char(3) not null,
      charged_at timestamptz not null,
      outcome varchar(16) not null constraint ck_cashless_offline_entries_outcome check (outcome in ('booked', 'overspent', 'duplicate', 'rejected')),
      conflict jsonb,
      created_at timestamptz not null default now()
    )
  `);
  await knex.raw("create unique index uq_cashless_offline_entries_terminal_seq on cashless_offline_entries (terminal_id, seq)");
  await knex.raw("create unique index uq_cashless_offline_entries_transfer_id on cashless_offline_entries (transfer_id)");
  await knex.raw("create index ix_cashless_offline_entries_edition_id on cashless_offline_entries (edition_id)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table if exists cashless_offline_entries");
}
