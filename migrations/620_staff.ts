import type { Knex } from "knex";

/**
 * Staff of an edition (module staff): departments, staff roles with prerequisites, the
 * qualification types a member can hold (a certificate, a training, a driver licence), and
 * staff members with a badge number unique per edition.
 *
 * Rules held here:
 * - names and codes unique per edition; a badge number unique per edition (uq_staff_members_badge);
 *   one membership per person and edition (uq_staff_members_edition_user);
 * - a member's role and department, a role's department and prerequisites belong to the same
 *   edition (composite foreign keys on (id, edition_id));
 * - a qualification's validity ends after it was granted.
 *
 * Published for the shifts module's hot paths (eligible shifts, sign-up, check-in), so it never
 * names these tables, three plain views (they inline): staff_member_directory (a member with
 * its role's lead flag), staff_role_prerequisites and staff_member_qualification_holdings.
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

const TABLES = ["staff_departments", "staff_qualification_types", "staff_roles", "staff_members", "staff_member_qualifications"];

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table staff_departments (
      id uuid constraint pk_staff_departments primary key,
      edition_id uuid not null constraint fk_staff_departments_edition references editions (id) on delete restrict,
      name citext not null constraint ck_staff_departments_name check (length(name) between 1 and 120),
      description text,
      ${AUDITED},
      constraint uq_staff_departments_edition_name unique (edition_id, name),
      constraint uq_staff_departments_id_edition unique (id, edition_id)
    );

    create table staff_qualification_types (
      id uuid constraint pk_staff_qualification_types primary key,
      edition_id uuid not null constraint fk_staff_qualification_types_edition references editions (id) on delete restrict,
      code text not null constraint ck_staff_qualification_types_code check (code ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(code) <= 64),
      name varchar(120) not null,
      kind text not null constraint ck_staff_qualification_types_kind check (kind in ('certificate', 'training', 'licence')),
      ${AUDITED},
      constraint uq_staff_qualification_types_edition_code unique (edition_id, code),
      constraint uq_staff_qualification_types_id_edition unique (id, edition_id)
    );

    create table staff_roles (
      id uuid constraint pk_staff_roles primary key,
      edition_id uuid not null constraint fk_staff_roles_edition references editions (id) on delete restrict,
      department_id uuid,
      name citext not null constraint ck_staff_roles_name check (length(name) between 1 and 120),
      description text,
      is_lead boolean not null default false,
      ${AUDITED},
      constraint uq_staff_roles_edition_name unique (edition_id, name),
      constraint uq_staff_roles_id_edition unique (id, edition_id),
      constraint fk_staff_roles_department foreign key (department_id, edition_id) references staff_departments (id, edition_id) on delete restrict
    );
    create index ix_staff_roles_department_id on staff_roles (department_id);

    create table staff_role_requirements (
      role_id uuid not null,
      qualification_type_id uuid not null,
      edition_id uuid not null,
      created_at timestamptz not null default now(),
      created_by uuid,
      constraint pk_staff_role_requirements primary key (role_id, qualification_type_id),
      constraint fk_staff_role_requirements_role foreign key (role_id, edition_id) references staff_roles (id, edition_id) on delete cascade,
      constraint fk_staff_role_requirements_qualification foreign key (qualification_type_id, edition_id)
        references staff_qualification_types (id, edition_id) on delete restrict
    );
    create index ix_staff_role_requirements_qualification_type_id on staff_role_requirements (qualification_type_id);

    create table staff_members (
      id uuid constraint pk_staff_members primary key,
      edition_id uuid not null constraint fk_staff_members_edition references editions (id) on delete restrict,
      user_id uuid not null constraint fk_staff_members_user references users (id) on delete restrict,
      role_id uuid not null,
      department_id uuid not null,
      badge_number varchar(32) not null constraint ck_staff_members_badge_number check (badge_number ~ '^[A-Za-z0-9-]{1,32}$'),
      status text not null default 'active' constraint ck_staff_members_status check (status in ('active', 'removed')),
      ${AUDITED},
      constraint uq_staff_members_edition_user unique (edition_id, user_id),
      constraint uq_staff_members_badge unique (edition_id, badge_number),
      constraint uq_staff_members_id_edition unique (id, edition_id),
      constraint fk_staff_members_role foreign key (role_id, edition_id) references staff_roles (id, edition_id) on delete restrict,
      constraint fk_staff_members_department foreign key (department_id, edition_id) references staff_departments (id, edition_id) on delete restrict
    );
    create index ix_staff_members_user_id on staff_members (user_id);
    create index ix_staff_members_role_id on staff_members (role_id);
    create index ix_staff_members_department_id on staff_members (department_id);

    create table staff_member_qualifications (
      member_id uuid not null,
      qualification_type_id uuid not null,
      edition_id uuid not null,
      valid_until timestamptz,
      ${AUDITED},
      constraint pk_staff_member_qualifications primary key (member_id, qualification_type_id),
      constraint fk_staff_member_qualifications_member foreign key (member_id, edition_id) references staff_members (id, edition_id) on delete cascade,
      constraint fk_staff_member_qualifications_type foreign key (qualification_type_id, edition_id)
        references staff_qualification_types (id, edition_id) on delete restrict,
      constraint ck_staff_member_qualifications_valid_after_grant check (valid_until is null or valid_until > created_at)
    );
    create index ix_staff_member_qualifications_type on staff_member_qualifications (qualification_type_id);
  `);
  for (const table of TABLES) {
    await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
  }
  await knex.raw(`
    create view staff_member_directory as
      select m.id, m.edition_id, m.user_id, m.role_id, m.department_id, m.badge_number, m.status, r.is_lead
        from staff_members m join staff_roles r on r.id = m.role_id;

    create view staff_role_prerequisites as
      select q.role_id, q.qualification_type_id, t.code, t.name
        from staff_role_requirements q join staff_qualification_types t on t.id = q.qualification_type_id;

    create view staff_member_qualification_holdings as
      select member_id, qualification_type_id, valid_until from staff_member_qualifications;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop view staff_member_qualification_holdings;
    drop view staff_role_prerequisites;
    drop view staff_member_directory;
    drop table staff_member_qualifications;
    drop table staff_members;
    drop table staff_role_requirements;
    drop table staff_roles;
    drop table staff_qualification_types;
    drop table staff_departments;
  `);
}
