import type { Knex } from "knex";
import { Logger, runMigrations } from "graphile-worker";
import pg from "pg";

/**
 * Festivals, editions, venues, stages and schedules.
 *
 * Extends the minimal `festivals` table of 100_identity and adds everything an organizer
 * manages and an attendee opens the app for. Rules the database can hold are held here:
 *
 * - an edition ends after it starts; its timezone is a valid IANA name;
 * - two live time slots on one stage never overlap (exclusion constraint, btree_gist);
 *   a slot ends after it starts and lies inside its edition's dates (trigger, with the
 *   edition row locked FOR SHARE so a concurrent date change cannot slip past);
 * - a published schedule version is immutable (trigger), versions are numbered per edition
 *   and at most one draft per edition exists;
 * - tag usage counts are kept by a trigger on event_tags;
 * - one waitlist entry per email and event; one device token row per token.
 *
 * Also installs graphile-worker's schema so a schedule publication can enqueue its
 * notification job in the same transaction (`graphile_worker.add_job`).
 */

const MUTABLE_TABLES = [
  "editions",
  "event_categories",
  "tags",
  "events",
  "venues",
  "edition_venues",
  "stages",
  "artists",
  "time_slots",
  "engagements",
  "schedule_versions",
  "personal_schedules",
  "waitlist_entries",
  "device_tokens",
];

const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

export async function up(knex: Knex): Promise<void> {
  // ---------------------------------------------------------------- helpers
  // IANA zone check usable in CHECK constraints. Declared immutable: the zone database of a
  // server only grows, and a zone name never stops being valid within a major version.
  await knex.raw(`
    create or replace function is_valid_timezone(tz text) returns boolean language plpgsql immutable as $$
    begin
      if tz is null or tz !~ '^[A-Za-z][A-Za-z0-9_+/-]*$' then return false; end if;
      perform now() at time zone tz;
      return true;
    exception when invalid_parameter_value then
      return false;
    end $$;
  `);

  // ---------------------------------------------------------------- festivals (extended)
  await knex.raw(`
    alter table festivals
      add column description text,
      add column images jsonb not null default '[]'::jsonb,
      add column links jsonb not null default '{}'::jsonb,
      add constraint ck_festivals_images_array check (jsonb_typeof(images) = 'array'),
      add constraint ck_festivals_links_object check (jsonb_typeof(links) = 'object')
  `);
  await knex.raw("create unique index uq_festivals_organization_slug on festivals (organization_id, slug) where deleted_at is null");

  // ---------------------------------------------------------------- editions
  await knex.raw(`
    create table editions (
      id uuid constraint pk_editions primary key,
      festival_id uuid not null constraint fk_editions_festival references festivals (id) on delete restrict,
      name varchar(200) not null,
      slug citext not null constraint ck_editions_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      timezone varchar(64) not null constraint ck_editions_timezone check (is_valid_timezone(timezone)),
      ticket_url varchar(2048),
      status varchar(16) not null default 'draft' constraint ck_editions_status check (status in ('draft', 'published', 'archived')),
      ${AUDITED},
      deleted_at timestamptz,
      constraint ck_editions_end_after_start check (ends_at > starts_at)
    )
  `);
  await knex.raw("create index ix_editions_festival_id on editions (festival_id)");
  await knex.raw("create unique index uq_editions_festival_slug on editions (festival_id, slug) where deleted_at is null");

  // ---------------------------------------------------------------- categories, tags, events
  await knex.raw(`
    create table event_categories (
      id uuid constraint pk_event_categories primary key,
      festival_id uuid not null constraint fk_event_categories_festival references festivals (id) on delete cascade,
      parent_id uuid constraint fk_event_categories_parent references event_categories (id) on delete restrict,
      name varchar(120) not null,
      icon varchar(64),
      colour char(7) constraint ck_event_categories_colour check (colour ~ '^#[0-9a-f]{6}$'),
      sort_order integer not null default 0,
      ${AUDITED},
      constraint ck_event_categories_not_own_parent check (parent_id is null or parent_id <> id)
    )
  `);
  await knex.raw("create index ix_event_categories_festival_id on event_categories (festival_id)");
  await knex.raw("create index ix_event_categories_parent_id on event_categories (parent_id)");
  await knex.raw("create unique index uq_event_categories_sibling_name on event_categories (festival_id, coalesce(parent_id, festival_id), lower(name))");

  await knex.raw(`
    create table tags (
      id uuid constraint pk_tags primary key,
      festival_id uuid not null constraint fk_tags_festival references festivals (id) on delete cascade,
      name citext not null constraint ck_tags_name check (length(name) between 1 and 60),
      usage_count integer not null default 0 constraint ck_tags_usage_count check (usage_count >= 0),
      ${AUDITED},
      constraint uq_tags_festival_name unique (festival_id, name)
    )
  `);

  await knex.raw(`
    create table events (
      id uuid constraint pk_events primary key,
      festival_id uuid not null constraint fk_events_festival references festivals (id) on delete restrict,
      edition_id uuid constraint fk_events_edition references editions (id) on delete restrict,
      category_id uuid constraint fk_events_category references event_categories (id) on delete set null,
      name varchar(200) not null,
      slug citext not null constraint ck_events_slug_format check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
      description text,
      status varchar(16) not null default 'draft'
        constraint ck_events_status check (status in ('draft', 'published', 'ongoing', 'completed', 'cancelled', 'postponed')),
      capacity integer constraint ck_events_capacity check (capacity is null or capacity > 0),
      starts_at timestamptz,
      ends_at timestamptz,
      sold_out_at timestamptz,
      ${AUDITED},
      deleted_at timestamptz,
      constraint ck_events_end_after_start check (ends_at is null or starts_at is null or ends_at > starts_at)
    )
  `);
  await knex.raw("create index ix_events_festival_id on events (festival_id)");
  await knex.raw("create index ix_events_edition_id on events (edition_id)");
  await knex.raw("create index ix_events_category_id on events (category_id)");
  await knex.raw("create unique index uq_events_festival_slug on events (festival_id, slug) where deleted_at is null");

  await knex.raw(`
    create table event_tags (
      event_id uuid not null constraint fk_event_tags_event references events (id) on delete cascade,
      tag_id uuid not null constraint fk_event_tags_tag references tags (id) on delete cascade,
      created_at timestamptz not null default now(),
      created_by uuid,
      constraint pk_event_tags primary key (event_id, tag_id)
    )
  `);
  await knex.raw("create index ix_event_tags_tag_id on event_tags (tag_id)");
  await knex.raw(`
    create or replace function event_tags_count_usage() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        update tags set usage_count = usage_count + 1 where id = new.tag_id;
      else
        update tags set usage_count = usage_count - 1 where id = old.tag_id;
      end if;
      return null;
    end $$;
  `);
  await knex.raw("create trigger trg_event_tags_count_usage after insert or delete on event_tags for each row execute function event_tags_count_usage()");

  // ---------------------------------------------------------------- venues and stages
  await knex.raw(`
    create table venues (
      id uuid constraint pk_venues primary key,
      festival_id uuid not null constraint fk_venues_festival references festivals (id) on delete restrict,
      name varchar(200) not null,
      address_line1 varchar(200),
      address_line2 varchar(200),
      city varchar(120),
      postal_code varchar(20),
      country char(2) constraint ck_venues_country check (country ~ '^[A-Z]{2}$'),
      latitude numeric(9, 6) constraint ck_venues_latitude check (latitude between -90 and 90),
      longitude numeric(9, 6) constraint ck_venues_longitude check (longitude between -180 and 180),
      ${AUDITED},
      deleted_at timestamptz,
      constraint ck_venues_coordinates_pair check ((latitude is null) = (longitude is null))
    )
  `);
  await knex.raw("create index ix_venues_festival_id on venues (festival_id)");

  await knex.raw(`
    create table edition_venues (
      id uuid constraint pk_edition_venues primary key,
      edition_id uuid not null constraint fk_edition_venues_edition references editions (id) on delete cascade,
      venue_id uuid not null constraint fk_edition_venues_venue references venues (id) on delete cascade,
      ${AUDITED},
      constraint uq_edition_venues_edition_venue unique (edition_id, venue_id)
    )
  `);
  await knex.raw("create index ix_edition_venues_venue_id on edition_venues (venue_id)");

  await knex.raw(`
    create table stages (
      id uuid constraint pk_stages primary key,
      venue_id uuid not null constraint fk_stages_venue references venues (id) on delete restrict,
      name varchar(120) not null,
      sort_order integer not null default 0,
      capacity integer constraint ck_stages_capacity check (capacity is null or capacity > 0),
      ${AUDITED},
      deleted_at timestamptz
    )
  `);
  await knex.raw("create index ix_stages_venue_id on stages (venue_id)");

  // ---------------------------------------------------------------- artists
  await knex.raw(`
    create table artists (
      id uuid constraint pk_artists primary key,
      festival_id uuid not null constraint fk_artists_festival references festivals (id) on delete restrict,
      user_id uuid constraint fk_artists_user references users (id) on delete set null,
      name varchar(200) not null,
      genre varchar(80),
      bio text,
      links jsonb not null default '{}'::jsonb constraint ck_artists_links_object check (jsonb_typeof(links) = 'object'),
      ${AUDITED},
      deleted_at timestamptz
    )
  `);
  await knex.raw("create index ix_artists_festival_id on artists (festival_id)");
  await knex.raw("create index ix_artists_user_id on artists (user_id)");

  // ---------------------------------------------------------------- time slots
  await knex.raw(`
    create table time_slots (
      id uuid constraint pk_time_slots primary key,
      edition_id uuid not null constraint fk_time_slots_edition references editions (id) on delete restrict,
      stage_id uuid not null constraint fk_time_slots_stage references stages (id) on delete restrict,
      starts_at timestamptz not null,
      ends_at timestamptz not null,
      kind varchar(16) not null default 'performance' constraint ck_time_slots_kind check (kind in ('performance', 'changeover')),
      title varchar(200),
      ${AUDITED},
      deleted_at timestamptz,
      constraint ck_time_slots_end_after_start check (ends_at > starts_at),
      constraint ex_time_slots_no_overlap_per_stage
        exclude using gist (stage_id with =, tstzrange(starts_at, ends_at, '[)') with &&) where (deleted_at is null)
    )
  `);
  await knex.raw("create index ix_time_slots_edition_id on time_slots (edition_id, starts_at)");
  await knex.raw("create index ix_time_slots_stage_id on time_slots (stage_id)");
  // A slot lies inside its edition's dates, on a stage of a venue linked to the edition.
  await knex.raw(`
    create or replace function time_slots_check_edition() returns trigger language plpgsql as $$
    declare
      e record;
    begin
      if new.deleted_at is not null then return new; end if;
      select starts_at, ends_at into e from editions where id = new.edition_id for share;
      if new.starts_at < e.starts_at or new.ends_at > e.ends_at then
        raise exception 'time slot % lies outside its edition''s dates', new.id
          using errcode = 'check_violation', constraint = 'ck_time_slots_within_edition';
      end if;
      if not exists (
        select 1 from stages s join edition_venues ev on ev.venue_id = s.venue_id and ev.edition_id = new.edition_id
        where s.id = new.stage_id and s.deleted_at is null
      ) then
        raise exception 'stage % is not at a venue of edition %', new.stage_id, new.edition_id
          using errcode = 'check_violation', constraint = 'ck_time_slots_stage_in_edition';
      end if;
      return new;
    end $$;
  `);
  await knex.raw("create trigger trg_time_slots_check_edition before insert or update on time_slots for each row execute function time_slots_check_edition()");
  // ...and an edition's dates cannot shrink past its live slots.
  await knex.raw(`
    create or replace function editions_check_time_slots() returns trigger language plpgsql as $$
    begin
      if (new.starts_at, new.ends_at) is distinct from (old.starts_at, old.ends_at) and exists (
        select 1 from time_slots t
        where t.edition_id = new.id and t.deleted_at is null and (t.starts_at < new.starts_at or t.ends_at > new.ends_at)
      ) then
        raise exception 'edition % has time slots outside the new dates', new.id
          using errcode = 'check_violation', constraint = 'ck_editions_contain_time_slots';
      end if;
      return new;
    end $$;
  `);
  await knex.raw("create trigger trg_editions_check_time_slots before update on editions for each row execute function editions_check_time_slots()");

  // ---------------------------------------------------------------- engagements
  await knex.raw(`
    create table engagements (
      id uuid constraint pk_engagements primary key,
      time_slot_id uuid not null constraint fk_engagements_time_slot references time_slots (id) on delete restrict,
      artist_id uuid not null constraint fk_engagements_artist references artists (id) on delete restrict,
      status varchar(16) not null default 'scheduled' constraint ck_engagements_status check (status in ('scheduled', 'cancelled')),
      notes text,
      ${AUDITED},
      deleted_at timestamptz
    )
  `);
  await knex.raw("create index ix_engagements_time_slot_id on engagements (time_slot_id)");
  await knex.raw("create index ix_engagements_artist_id on engagements (artist_id)");
  await knex.raw("create unique index uq_engagements_slot_artist on engagements (time_slot_id, artist_id) where deleted_at is null");

  // ---------------------------------------------------------------- schedule versions
  // The working copy is time_slots + engagements; a draft row marks "edited since the last
  // publication"; publishing turns it into a numbered, frozen version holding the rendered
  // public document (json: its text is kept byte for byte, so its ETag stays true) and the
  // diff from the previous version.
  await knex.raw(`
    create table schedule_versions (
      id uuid constraint pk_schedule_versions primary key,
      edition_id uuid not null constraint fk_schedule_versions_edition references editions (id) on delete restrict,
      status varchar(16) not null default 'draft' constraint ck_schedule_versions_status check (status in ('draft', 'published')),
      number integer constraint ck_schedule_versions_number check (number is null or number > 0),
      notes text,
      previous_version_id uuid constraint fk_schedule_versions_previous references schedule_versions (id) on delete restrict,
      document json,
      etag varchar(80),
      diff jsonb,
      published_at timestamptz,
      published_by uuid,
      ${AUDITED},
      constraint uq_schedule_versions_edition_number unique (edition_id, number),
      constraint ck_schedule_versions_published_complete check (
        (status = 'published') = (number is not null and published_at is not null and document is not null and etag is not null and diff is not null)
      )
    )
  `);
  await knex.raw("create index ix_schedule_versions_previous_version_id on schedule_versions (previous_version_id)");
  await knex.raw("create unique index uq_schedule_versions_one_draft on schedule_versions (edition_id) where status = 'draft'");
  await knex.raw("create index ix_schedule_versions_latest on schedule_versions (edition_id, number desc) where status = 'published'");
  await knex.raw(`
    create or replace function schedule_versions_refuse_change() returns trigger language plpgsql as $$
    begin
      if old.status = 'published' then
        raise exception 'schedule version % is published and immutable: % refused', old.id, tg_op
          using errcode = 'integrity_constraint_violation', constraint = 'ck_schedule_versions_immutable';
      end if;
      return case when tg_op = 'DELETE' then old else new end;
    end $$;
  `);
  await knex.raw(
    "create trigger trg_schedule_versions_immutable before update or delete on schedule_versions for each row execute function schedule_versions_refuse_change()",
  );

  // ---------------------------------------------------------------- personal schedules
  await knex.raw(`
    create table personal_schedules (
      id uuid constraint pk_personal_schedules primary key,
      user_id uuid not null constraint fk_personal_schedules_user references users (id) on delete cascade,
      edition_id uuid not null constraint fk_personal_schedules_edition references editions (id) on delete cascade,
      ${AUDITED},
      constraint uq_personal_schedules_user_edition unique (user_id, edition_id)
    )
  `);
  await knex.raw("create index ix_personal_schedules_edition_id on personal_schedules (edition_id)");
  // Entries are added and removed, never changed: no updated_at.
  await knex.raw(`
    create table personal_schedule_entries (
      id uuid constraint pk_personal_schedule_entries primary key,
      personal_schedule_id uuid not null constraint fk_personal_schedule_entries_schedule references personal_schedules (id) on delete cascade,
      engagement_id uuid not null constraint fk_personal_schedule_entries_engagement references engagements (id) on delete restrict,
      created_at timestamptz not null default now(),
      created_by uuid,
      constraint uq_personal_schedule_entries_schedule_engagement unique (personal_schedule_id, engagement_id)
    )
  `);
  await knex.raw("create index ix_personal_schedule_entries_engagement_id on personal_schedule_entries (engagement_id)");

  // ---------------------------------------------------------------- waitlists
  await knex.raw(`
    create table waitlist_entries (
      id uuid constraint pk_waitlist_entries primary key,
      event_id uuid not null constraint fk_waitlist_entries_event references events (id) on delete cascade,
      email citext not null constraint ck_waitlist_entries_email check (email ~ '^[^@\\s]+@[^@\\s]+$'),
      user_id uuid constraint fk_waitlist_entries_user references users (id) on delete set null,
      status varchar(16) not null default 'pending' constraint ck_waitlist_entries_status check (status in ('pending', 'confirmed', 'cancelled')),
      confirmed_at timestamptz,
      cancelled_at timestamptz,
      ${AUDITED},
      constraint uq_waitlist_entries_event_email unique (event_id, email),
      constraint ck_waitlist_entries_confirmed_at check ((status = 'confirmed') = (confirmed_at is not null)),
      constraint ck_waitlist_entries_cancelled_at check ((status = 'cancelled') = (cancelled_at is not null))
    )
  `);
  await knex.raw("create index ix_waitlist_entries_user_id on waitlist_entries (user_id)");
  await knex.raw("create index ix_waitlist_entries_event_created on waitlist_entries (event_id, created_at, id)");

  // ---------------------------------------------------------------- notifications
  await knex.raw(`
    create table device_tokens (
      id uuid constraint pk_device_tokens primary key,
      user_id uuid not null constraint fk_device_tokens_user references users (id) on delete cascade,
      platform varchar(16) not null constraint ck_device_tokens_platform check (platform in ('ios', 'android', 'web')),
      token varchar(4096) not null constraint ck_device_tokens_token check (length(token) >= 8),
      last_registered_at timestamptz not null default now(),
      revoked_at timestamptz,
      ${AUDITED},
      constraint uq_device_tokens_token unique (token)
    )
  `);
  await knex.raw("create index ix_device_tokens_user_id on device_tokens (user_id) where revoked_at is null");
  // What was sent, to whom, on which device, and whether it was delivered. Written by the
  // notification job; unique per (version, user, device) so a retried job never sends twice.
  await knex.raw(`
    create table notification_log (
      id uuid constraint pk_notification_log primary key,
      user_id uuid not null constraint fk_notification_log_user references users (id) on delete cascade,
      device_token_id uuid constraint fk_notification_log_device_token references device_tokens (id) on delete set null,
      schedule_version_id uuid constraint fk_notification_log_schedule_version references schedule_versions (id) on delete restrict,
      kind varchar(32) not null constraint ck_notification_log_kind check (kind in ('schedule_changed')),
      channel varchar(16) not null constraint ck_notification_log_channel check (channel in ('ios', 'android', 'web', 'none')),
      title varchar(200) not null,
      body text not null,
      data jsonb not null default '{}'::jsonb,
      status varchar(16) not null constraint ck_notification_log_status check (status in ('delivered', 'failed', 'no_device')),
      error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz,
      constraint ck_notification_log_delivered_at check ((status = 'delivered') = (delivered_at is not null)),
      constraint uq_notification_log_version_user_device unique nulls not distinct (schedule_version_id, user_id, device_token_id)
    )
  `);
  await knex.raw("create index ix_notification_log_user_id on notification_log (user_id, created_at desc)");
  await knex.raw("create index ix_notification_log_device_token_id on notification_log (device_token_id)");
  await knex.raw("create index ix_notification_log_schedule_version_id on notification_log (schedule_version_id)");

  for (const table of MUTABLE_TABLES) {
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }

  // ---------------------------------------------------------------- job queue
  await installJobQueue(knex);
}

/**
 * graphile-worker's own migrations, on a pool of their own (they take an advisory lock and
 * manage their own transactions). knex hides the password from enumeration: read it by name.
 */
async function installJobQueue(knex: Knex): Promise<void> {
  const c = (knex.client as { config: { connection?: unknown } }).config.connection;
  const config: pg.PoolConfig =
    typeof c === "string"
      ? { connectionString: c }
      : (({ user, host, port, database, password, ssl }: pg.ClientConfig) => ({ user, host, port: Number(port), database, password, ssl }))(
          c as pg.ClientConfig,
        );
  const pool = new pg.Pool({ ...config, max: 1 });
  pool.on("error", () => {}); // an idle client dropped by the server: the next query reconnects
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    await runMigrations({ pgPool: pool, logger: silentLogger });
  } finally {
    await pool.end();
  }
}

const silentLogger = new Logger(() => () => {});

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    "notification_log",
    "device_tokens",
    "waitlist_entries",
    "personal_schedule_entries",
    "personal_schedules",
    "schedule_versions",
    "engagements",
    "time_slots",
    "artists",
    "stages",
    "edition_venues",
    "venues",
    "event_tags",
    "events",
    "tags",
    "event_categories",
    "editions",
  ]) {
    await knex.raw(`drop table if exists ${table} cascade`);
  }
  for (const fn of [
    "schedule_versions_refuse_change()",
    "editions_check_time_slots()",
    "time_slots_check_edition()",
    "event_tags_count_usage()",
    "is_valid_timezone(text)",
  ]) {
    await knex.raw(`drop function if exists ${fn}`);
  }
  await knex.raw("drop index if exists uq_festivals_organization_slug");
  await knex.raw(`
    alter table festivals
      drop constraint if exists ck_festivals_images_array,
      drop constraint if exists ck_festivals_links_object,
      drop column if exists description,
      drop column if exists images,
      drop column if exists links
  `);
  await knex.raw("drop schema if exists graphile_worker cascade");
}
