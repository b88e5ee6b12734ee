import type { Knex } from "knex";

/**
 * Paid on performance, on-chain side (module artist-contracts): once a contract's performance
 * is decided (763), the platform's performance confirmer sends confirmPerformance or
 * cancelPerformance to the event's RevenueSplit from a job. One row per contract and action
 * records that send: the signed transaction is stored before it is broadcast (so a retry
 * re-sends the same bytes rather than a second transaction), then its outcome.
 *
 * The tenant role queues back-office jobs only through backoffice_enqueue_job, which takes
 * the task names listed in it and nothing else.
 */
const COMPANY = "nullif(current_setting('app.company_id', true), '')::uuid";
const TASKS = ["performance_chain_send", "signature_event_process"];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table performance_chain_sends (
      id uuid constraint pk_performance_chain_sends primary key,
      company_id uuid not null,
      contract_id uuid not null,
      action text not null constraint ck_performance_chain_sends_action check (action in ('confirm', 'cancel')),
      payee_address varchar(42) not null constraint ck_performance_chain_sends_payee check (payee_address ~ '^0x[0-9a-f]{40}$'),
      chain_id bigint,
      split_address varchar(42) constraint ck_performance_chain_sends_split check (split_address is null or split_address ~ '^0x[0-9a-f]{40}$'),
      from_address varchar(42) constraint ck_performance_chain_sends_from check (from_address is null or from_address ~ '^0x[0-9a-f]{40}$'),
      nonce bigint,
      tx_hash varchar(66) constraint ck_performance_chain_sends_tx check (tx_hash is null or tx_hash ~ '^0x[0-9a-f]{64}$'),
      raw_tx text,
      block_number bigint,
      status text not null default 'queued' constraint ck_performance_chain_sends_status check (status in ('queued', 'sent', 'mined', 'already_done', 'failed')),
      error text,
      attempts integer not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint uq_performance_chain_sends_contract_action unique (contract_id, action),
      constraint ck_performance_chain_sends_sent_has_tx check (status not in ('sent', 'mined') or tx_hash is not null),
      constraint fk_performance_chain_sends_contract foreign key (contract_id, company_id) references artist_contracts (id, company_id) on delete restrict
    );
    alter table performance_chain_sends enable row level security;
    alter table performance_chain_sends force row level security;
    create policy p_performance_chain_sends_company on performance_chain_sends using (company_id = ${COMPANY}) with check (company_id = ${COMPANY});
    grant select, insert, update on performance_chain_sends to backoffice_tenant;
    create trigger trg_performance_chain_sends_updated_at before update on performance_chain_sends for each row execute function set_updated_at();
  `);
  // a cancelled performance session (productions) cancels the performance too
  await knex.raw(`
    alter table artist_contracts
      drop constraint ck_artist_contracts_performance_source,
      add constraint ck_artist_contracts_performance_source check (performance_source is null or performance_source in ('check_in', 'production_manager', 'session_cancelled'))
  `);
  await knex.raw(`
    create or replace function backoffice_enqueue_job(p_task text, p_payload json, p_key text) returns void
      language plpgsql security definer set search_path = public as $$
    begin
      if p_task not in (${TASKS.map((t) => `'${t}'`).join(", ")}) then
        raise exception 'backoffice_enqueue_job: % is not a back-office task', p_task using errcode = 'insufficient_privilege';
      end if;
      perform graphile_worker.add_job(p_task, p_payload, job_key => p_key, max_attempts => 25);
    end $$;
    revoke all on function backoffice_enqueue_job(text, json, text) from public;
    grant execute on function backoffice_enqueue_job(text, json, text) to backoffice_tenant;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop function backoffice_enqueue_job(text, json, text)");
  await knex.raw("drop table performance_chain_sends");
  await knex.raw(`
    update artist_contracts set performance_source = 'production_manager' where performance_source = 'session_cancelled';
    alter table artist_contracts
      drop constraint ck_artist_contracts_performance_source,
      add constraint ck_artist_contracts_performance_source check (performance_source is null or performance_source in ('check_in', 'production_manager'))
  `);
}
