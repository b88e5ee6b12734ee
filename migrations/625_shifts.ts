import type { Knex } from "knex";

/**
 * Shifts and sign-ups (module shifts). Rules held here, not hoped for in the service:
 *
 * - a shift ends after it starts; its sign-up window closes after it opens;
 * - a shift is never over its needed count: shifts.signed_up is kept by a trigger on
 *   shift_signups (every place-holding sign-up counts) and ck_shifts_signed_up_within_needed
 *   refuses the one too many. The trigger's UPDATE locks the shift row, so concurrent sign-ups
 *   for the last place queue on it and exactly one fits;
 * - no two place-holding sign-ups of one member overlap in time (ex_shift_signups_no_overlap,
 *   btree_gist from 000_foundation). A sign-up carries its shift's times (copied by trigger on
 *   insert, and again when the shift moves), so the exclusion sees them;
 * - one live sign-up per member and shift (uq_shift_signups_shift_member);
 * - checked-in states have a check-in time.
 *
 * A shift may name a gate zone (gate_zones.id, owned by the gate): a plain uuid, no foreign
 * key, the gate's service is asked about it. Roles, departments and members are the staff
 * module's: foreign keys only.
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

/** The statuses that hold a place on the shift and a slot in the member's time. */
const HOLDING = "('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS', 'COMPLETED')";

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table shift_settings (
      edition_id uuid constraint pk_shift_settings primary key constraint fk_shift_settings_edition references editions (id) on delete cascade,
      no_show_limit integer constraint ck_shift_settings_no_show_limit check (no_show_limit is null or no_show_limit > 0),
      no_show_grace_minutes integer not null default 15 constraint ck_shift_settings_grace check (no_show_grace_minutes between 0 and 1440),
      reminder_minutes integer not null default 60 constraint ck_shift_settings_reminder check (reminder_minutes between 0 and 10080),
      ${AUDITED}
    );

    create table shifts (
      id uuid constraint pk_shifts primary key,
      edition_id uuid not null constraint fk_shifts_edition references editions (id) on delete restrict,
      role_id uuid not null,
      department_id uuid not null,
      zone_id uuid,
      title varchar(200) not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      needed integer not null constraint ck_shifts_needed_positive check (needed > 0),
      signed_up integer not null default 0,
      signup_opens_at timestamptz,
      signup_closes_at timestamptz,
      leave_cutoff_minutes integer not null default 0 constraint ck_shifts_leave_cutoff check (leave_cutoff_minutes between 0 and 43200),
      status text not null default 'scheduled' constraint ck_shifts_status check (status in ('scheduled', 'cancelled')),
      ${AUDITED},
      constraint ck_shifts_end_after_start check (ends_at > starts_at),
      constraint ck_shifts_window_order check (signup_opens_at is null or signup_closes_at is null or signup_closes_at > signup_opens_at),
      constraint ck_shifts_signed_up_within_needed check (signed_up >= 0 and signed_up <= needed),
      constraint fk_shifts_role foreign key (role_id, edition_id) references staff_roles (id, edition_id) on delete restrict,
      constraint fk_shifts_department foreign key (department_id, edition_id) references staff_departments (id, edition_id) on delete restrict
    );
    create index ix_shifts_edition_id on shifts (edition_id, starts_at);
    create index ix_shifts_role_open on shifts (role_id, starts_at) where status = 'scheduled';
    create index ix_shifts_department_id on shifts (department_id);
    create index ix_shifts_zone_id on shifts (zone_id);

    create table shift_signups (
      id uuid constraint pk_shift_signups primary key,
      shift_id uuid not null constraint fk_shift_signups_shift references shifts (id) on delete restrict,
      member_id uuid not null constraint fk_shift_signups_member references staff_members (id) on delete restrict,
      edition_id uuid not null,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      status text not null default 'SCHEDULED'
        constraint ck_shift_signups_status check (status in ('SCHEDULED', 'CONFIRMED', 'IN_PROGRESS', 'COMPLETED', 'CANCELLED', 'NO_SHOW')),
      checked_in_at timestamptz,
      checked_in_by uuid,
      check_in_source text constraint ck_shift_signups_check_in_source check (check_in_source in ('kiosk', 'lead', 'offline')),
      checked_out_at timestamptz,
      cancelled_at timestamptz,
      no_show_at timestamptz,
      ${AUDITED},
      constraint ck_shift_signups_checked_in check (status not in ('IN_PROGRESS', 'COMPLETED') or checked_in_at is not null),
      constraint ex_shift_signups_no_overlap
        exclude using gist (member_id with =, tstzrange(starts_at, ends_at, '[)') with &&) where (status in ${HOLDING})
    );
    create unique index uq_shift_signups_shift_member on shift_signups (shift_id, member_id) where status <> 'CANCELLED';
    create index ix_shift_signups_shift_id on shift_signups (shift_id, status);
    create index ix_shift_signups_member_id on shift_signups (member_id, starts_at);
    create index ix_shift_signups_no_shows on shift_signups (member_id) where status = 'NO_SHOW';
    create index ix_shift_signups_due on shift_signups (starts_at) where status in ('SCHEDULED', 'CONFIRMED');

    create trigger trg_shift_settings_updated_at before update on shift_settings for each row execute function set_updated_at();
    create trigger trg_shifts_updated_at before update on shifts for each row execute function set_updated_at();
    create trigger trg_shift_signups_updated_at before update on shift_signups for each row execute function set_updated_at();

    -- a sign-up carries its shift's edition and times (the exclusion constraint needs them on the row)
    create or replace function shift_signups_copy_shift() returns trigger language plpgsql as $$
    begin
      select s.edition_id, s.starts_at, s.ends_at into new.edition_id, new.starts_at, new.ends_at from shifts s where s.id = new.shift_id;
      return new;
    end $$;
    create trigger trg_shift_signups_copy_shift before insert on shift_signups for each row execute function shift_signups_copy_shift();

    create or replace function shifts_move_signups() returns trigger language plpgsql as $$
    begin
      update shift_signups set starts_at = new.starts_at, ends_at = new.ends_at where shift_id = new.id;
      return null;
    end $$;
    create trigger trg_shifts_move_signups after update of starts_at, ends_at on shifts
      for each row when (old.starts_at is distinct from new.starts_at or old.ends_at is distinct from new.ends_at)
      execute function shifts_move_signups();

    -- shifts.signed_up: place-holding sign-ups, kept in the same statement (the shift row stays locked to commit)
    create or replace function shift_signups_count() returns trigger language plpgsql as $$
    declare
      was boolean := false;
      holds boolean := false;
    begin
      if tg_op <> 'INSERT' then was := old.status in ${HOLDING}; end if;
      if tg_op <> 'DELETE' then holds := new.status in ${HOLDING}; end if;
      if holds and not was then
        update shifts set signed_up = signed_up + 1 where id = new.shift_id;
      elsif was and not holds then
        update shifts set signed_up = signed_up - 1 where id = old.shift_id;
      end if;
      return null;
    end $$;
    create trigger trg_shift_signups_count after insert or update of status or delete on shift_signups
      for each row execute function shift_signups_count();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table shift_signups;
    drop function shift_signups_count();
    drop function shift_signups_copy_shift();
    drop table shifts;
    drop function shifts_move_signups();
    drop table shift_settings;
  `);
}
