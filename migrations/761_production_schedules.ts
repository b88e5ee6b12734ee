import type { Knex } from "knex";

/**
 * Production schedules (module productions): items (a rehearsal, performance, meeting,
 * fitting or photo call, once or recurring by an RFC 5545 RRULE), their sessions (each
 * occurrence, expanded when the item is written), artist assignments with confirmation, and
 * attendance (check-in and check-out per session). Under the back office's row-level
 * security like every tenant table.
 *
 * Reminders (24 h and 2 h before a confirmed session) go on the job queue; the tenant role
 * enqueues them only through two definer functions that do exactly that.
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

const TABLES = ["production_schedule_items", "production_sessions", "production_assignments", "production_attendance"];
const COMPANY = "nullif(current_setting('app.company_id', true), '')::uuid";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table production_schedule_items (
      id uuid constraint pk_production_schedule_items primary key,
      company_id uuid not null,
      production_id uuid not null,
      kind text not null constraint ck_production_schedule_items_kind check (kind in ('rehearsal', 'performance', 'meeting', 'fitting', 'photo_call')),
      title varchar(200) not null,
      location varchar(200),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      rrule text constraint ck_production_schedule_items_rrule check (rrule is null or length(rrule) <= 500),
      ${AUDITED},
      constraint ck_production_schedule_items_end_after_start check (ends_at > starts_at),
      constraint uq_production_schedule_items_id_company unique (id, company_id),
      constraint fk_production_schedule_items_production foreign key (production_id, company_id) references productions (id, company_id) on delete cascade
    );
    create index ix_production_schedule_items_production_id on production_schedule_items (production_id);

    create table production_sessions (
      id uuid constraint pk_production_sessions primary key,
      company_id uuid not null,
      item_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      status text not null default 'scheduled' constraint ck_production_sessions_status check (status in ('scheduled', 'cancelled')),
      ${AUDITED},
      constraint ck_production_sessions_end_after_start check (ends_at > starts_at),
      constraint uq_production_sessions_item_start unique (item_id, starts_at),
      constraint uq_production_sessions_id_company unique (id, company_id),
      constraint fk_production_sessions_item foreign key (item_id, company_id) references production_schedule_items (id, company_id) on delete cascade
    );
    create index ix_production_sessions_company_starts on production_sessions (company_id, starts_at);

    create table production_assignments (
      id uuid constraint pk_production_assignments primary key,
      company_id uuid not null,
      item_id uuid not null,
      artist_id uuid not null,
      status text not null default 'invited' constraint ck_production_assignments_status check (status in ('invited', 'confirmed', 'declined')),
      responded_at timestamptz,
      ${AUDITED},
      constraint uq_production_assignments_item_artist unique (item_id, artist_id),
      constraint fk_production_assignments_item foreign key (item_id, company_id) references production_schedule_items (id, company_id) on delete cascade,
      constraint fk_production_assignments_artist foreign key (artist_id, company_id) references company_artists (id, company_id) on delete restrict
    );
    create index ix_production_assignments_artist_id on production_assignments (artist_id);

    create table production_attendance (
      id uuid constraint pk_production_attendance primary key,
      company_id uuid not null,
      session_id uuid not null,
      artist_id uuid not null,
      checked_in_at timestamptz not null,
      checked_out_at timestamptz,
      checked_in_by uuid,
      ${AUDITED},
      constraint uq_production_attendance_session_artist unique (session_id, artist_id),
      constraint ck_production_attendance_out_after_in check (checked_out_at is null or checked_out_at >= checked_in_at),
      constraint fk_production_attendance_session foreign key (session_id, company_id) references production_sessions (id, company_id) on delete cascade,
      constraint fk_production_attendance_artist foreign key (artist_id, company_id) references company_artists (id, company_id) on delete restrict
    );
    create index ix_production_attendance_artist_id on production_attendance (artist_id);
  `);
  for (const table of TABLES) {
    await knex.raw(`alter table ${table} enable row level security`);
    await knex.raw(`alter table ${table} force row level security`);
    await knex.raw(`create policy p_${table}_company on ${table} using (company_id = ${COMPANY}) with check (company_id = ${COMPANY})`);
    await knex.raw(`grant select, insert, update, delete on ${table} to backoffice_tenant`);
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }
  await knex.raw(`
    create or replace function backoffice_enqueue_reminder(p_key text, p_payload json, p_run_at timestamptz) returns void
      language sql security definer set search_path = public as $$
      select null from graphile_worker.add_job('production_reminder', p_payload, run_at => p_run_at, job_key => p_key, max_attempts => 5)
    $$;
    create or replace function backoffice_cancel_reminder(p_key text) returns void
      language sql security definer set search_path = public as $$
      select null from graphile_worker.remove_job(p_key)
    $$;
    revoke all on function backoffice_enqueue_reminder(text, json, timestamptz), backoffice_cancel_reminder(text) from public;
    grant execute on function backoffice_enqueue_reminder(text, json, timestamptz), backoffice_cancel_reminder(text) to backoffice_tenant;
  `);
  await knex.raw(`
    alter table notification_log
      drop constraint ck_notification_log_kind,
      add constraint ck_notification_log_kind check (kind in ('schedule_changed', 'shift_reminder', 'production_reminder'))
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    delete from notification_log where kind = 'production_reminder';
    alter table notification_log
      drop constraint ck_notification_log_kind,
      add constraint ck_notification_log_kind check (kind in ('schedule_changed', 'shift_reminder'));
    drop function backoffice_enqueue_reminder(text, json, timestamptz);
    drop function backoffice_cancel_reminder(text);
  `);
  for (const table of [...TABLES].reverse()) await knex.raw(`drop table ${table}`);
}
