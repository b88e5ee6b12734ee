import type { Knex } from "knex";

/**
 * Personal data: consent, requests, erasure runs and retention.
 *
 * - consent_records: append-only; one row per grant or withdrawal of a purpose, with the policy
 *   text version, channel, IP and user agent (the proof GDPR Art. 7(1) asks for). The current
 *   state of a purpose is its latest row.
 * - personal_data_requests: a data subject's request, due 30 days after it was made.
 * - erasure_runs / erasure_steps: an erasure is a job; each declared table is one step,
 *   recorded when done (uq_erasure_steps_run_table), so a retried job resumes after the last
 *   finished step. The subject's identifiers are kept encrypted while the run needs them and
 *   cleared when it completes.
 * - retention_runs: what each retention policy removed, per run.
 * - audit_log_archive, notification_log_archive: what is left of old rows (what happened, no
 *   personal values).
 * - audit_log stays append-only, except an UPDATE in a transaction that set
 *   app.personal_data_erasure (an erasure's audit step) and a DELETE in one that set
 *   app.audit_retention (the 2-year archive).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table consent_records (
      id uuid not null constraint pk_consent_records primary key,
      user_id uuid not null constraint fk_consent_records_user references users (id) on delete cascade,
      purpose text not null constraint ck_consent_records_purpose check (purpose in ('MARKETING', 'ANALYTICS', 'PERSONALIZATION', 'THIRD_PARTY_SHARING', 'ESSENTIAL')),
      granted boolean not null,
      policy_version text not null constraint ck_consent_records_policy_version check (length(policy_version) between 1 and 64),
      channel text not null constraint ck_consent_records_channel check (channel in ('web', 'mobile', 'api', 'email', 'in_person', 'request')),
      ip inet,
      user_agent varchar(512),
      created_at timestamptz not null default now()
    );
    create index ix_consent_records_user_purpose on consent_records (user_id, purpose, created_at desc, id desc);
    create index ix_consent_records_purpose on consent_records (purpose, created_at desc);

    create function consent_records_refuse_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and current_setting('app.personal_data_erasure', true) = 'on' then return new; end if;
      if tg_op = 'DELETE' and current_setting('app.personal_data_erasure', true) = 'on' then return old; end if;
      raise exception 'consent_records is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$;
    create trigger trg_consent_records_append_only before update or delete on consent_records for each row execute function consent_records_refuse_change();

    create table personal_data_requests (
      id uuid not null constraint pk_personal_data_requests primary key,
      user_id uuid constraint fk_personal_data_requests_user references users (id) on delete set null,
      type text not null constraint ck_personal_data_requests_type check (type in ('DATA_ACCESS', 'DATA_PORTABILITY', 'DATA_RECTIFICATION', 'DATA_DELETION', 'CONSENT_WITHDRAWAL')),
      status text not null default 'PENDING' constraint ck_personal_data_requests_status check (status in ('PENDING', 'IN_PROGRESS', 'COMPLETED', 'REJECTED')),
      details jsonb,
      due_at timestamptz not null,
      resolution text constraint ck_personal_data_requests_resolution check (length(resolution) <= 2000),
      handled_by uuid,
      completed_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint ck_personal_data_requests_completed check ((status in ('COMPLETED', 'REJECTED')) = (completed_at is not null))
    );
    create index ix_personal_data_requests_user on personal_data_requests (user_id, created_at desc);
    create index ix_personal_data_requests_queue on personal_data_requests (due_at, id) where status in ('PENDING', 'IN_PROGRESS');
    create trigger trg_personal_data_requests_updated_at before update on personal_data_requests for each row execute function set_updated_at();

    create table erasure_runs (
      id uuid not null constraint pk_erasure_runs primary key,
      user_id uuid not null,
      request_id uuid constraint fk_erasure_runs_request references personal_data_requests (id),
      status text not null default 'RUNNING' constraint ck_erasure_runs_status check (status in ('RUNNING', 'COMPLETED', 'FAILED')),
      identifiers_encrypted bytea,
      leftover_count integer,
      leftover jsonb,
      error text,
      started_at timestamptz not null default now(),
      completed_at timestamptz,
      constraint ck_erasure_runs_completed check ((status = 'COMPLETED') = (completed_at is not null))
    );
    create unique index uq_erasure_runs_running_user on erasure_runs (user_id) where status = 'RUNNING';
    create index ix_erasure_runs_user on erasure_runs (user_id);
    create index ix_erasure_runs_request on erasure_runs (request_id);

    create table erasure_steps (
      id uuid not null constraint pk_erasure_steps primary key,
      run_id uuid not null constraint fk_erasure_steps_run references erasure_runs (id) on delete cascade,
      module text not null,
      table_name text not null,
      action text not null constraint ck_erasure_steps_action check (action in ('delete', 'replace', 'hold', 'keep', 'scrub')),
      rows_affected integer not null,
      rows_scrubbed integer not null default 0,
      reason text,
      retention text,
      done_at timestamptz not null default now(),
      constraint uq_erasure_steps_run_table unique (run_id, table_name)
    );

    create table retention_runs (
      id uuid not null constraint pk_retention_runs primary key,
      policy text not null,
      module text not null,
      cutoff timestamptz not null,
      removed integer not null,
      kept integer not null default 0,
      note text,
      ran_at timestamptz not null default now()
    );
    create index ix_retention_runs_policy on retention_runs (policy, ran_at desc);

    create table audit_log_archive (
      id uuid not null,
      created_at timestamptz not null,
      actor_type varchar(16) not null,
      action varchar(64) not null,
      entity_type varchar(64) not null,
      entity_id uuid,
      organization_id uuid,
      festival_id uuid,
      archived_at timestamptz not null default now(),
      constraint pk_audit_log_archive primary key (id, created_at)
    );

    create table notification_log_archive (
      id uuid not null constraint pk_notification_log_archive primary key,
      kind varchar(64) not null,
      channel varchar(32) not null,
      status varchar(32) not null,
      created_at timestamptz not null,
      delivered_at timestamptz,
      archived_at timestamptz not null default now()
    );

    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and current_setting('app.personal_data_erasure', true) = 'on' then return new; end if;
      if tg_op = 'DELETE' and current_setting('app.audit_retention', true) = 'on' then return old; end if;
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$;
    drop table notification_log_archive;
    drop table audit_log_archive;
    drop table retention_runs;
    drop table erasure_steps;
    drop table erasure_runs;
    drop table personal_data_requests;
    drop table consent_records;
    drop function consent_records_refuse_change();
  `);
}
