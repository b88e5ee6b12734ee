import type { Knex } from "knex";

/**
 * The site map (module site-map): points of interest of an edition (stages, bars, toilets,
 * first aid, camping, gates...) with WGS 84 coordinates, a category and opening hours
 * (a JSON array of { opensAt, closesAt } instants). Soft-deleted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table map_points (
      id uuid constraint pk_map_points primary key,
      edition_id uuid not null constraint fk_map_points_edition references editions (id) on delete restrict,
      category text not null
        constraint ck_map_points_category check (category in ('stage', 'bar', 'food', 'toilet', 'first_aid', 'camping', 'gate', 'info', 'water', 'shop', 'other')),
      name varchar(200) not null,
      description text,
      longitude numeric(9, 6) not null constraint ck_map_points_longitude check (longitude between -180 and 180),
      latitude numeric(9, 6) not null constraint ck_map_points_latitude check (latitude between -90 and 90),
      opening_hours jsonb not null default '[]'::jsonb constraint ck_map_points_opening_hours_array check (jsonb_typeof(opening_hours) = 'array'),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      deleted_at timestamptz
    );
    create index ix_map_points_edition_id on map_points (edition_id, category) where deleted_at is null;
    create trigger trg_map_points_updated_at before update on map_points for each row execute function set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table map_points");
}
