import type { Knex } from "knex";

/**
 * A local dev chain that was replaced (a new Hardhat node under the same chain id) leaves
 * event contracts pointing at contracts that no longer exist. They become `discarded`: their
 * on-chain coordinates move into discarded_chain (so the new chain's contracts, which reuse
 * the same addresses, can be linked), while the row, its zones and its append-only scan log
 * stay as history. Set by the indexer (store/discard.ts) in the transaction that drops the
 * old chain's mirror.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    alter table event_contracts drop constraint ck_event_contracts_status;
    alter table event_contracts add constraint ck_event_contracts_status check (status in ('pending', 'linked', 'discarded'));
    alter table event_contracts add column discarded_at timestamptz, add column discarded_chain jsonb;
    alter table event_contracts add constraint ck_event_contracts_discarded check (
      (status = 'discarded') = (discarded_at is not null)
      and (status <> 'discarded' or (ticket_address is null and deploy_tx_hash is null and chain_event_id is null))
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from event_contracts where status = 'discarded';
    alter table event_contracts drop constraint ck_event_contracts_discarded;
    alter table event_contracts drop column discarded_at, drop column discarded_chain;
    alter table event_contracts drop constraint ck_event_contracts_status;
    alter table event_contracts add constraint ck_event_contracts_status check (status in ('pending', 'linked'));
  `);
}
