import type { Knex } from "knex";

/**
 * The back office: a company (an organization with company settings) is the tenant.
 *
 * Modules and their tables:
 * - organizations: company_settings, company_roles, company_artists (the roster, with encrypted
 *   personal data and a SHA-256 of the tax id for duplicate search);
 * - productions: productions;
 * - artist-contracts: artist_contracts, artist_contract_versions (immutable once written),
 *   artist_contract_milestones, signature_requests, signature_webhook_events;
 * - expenses: expenses, expense_receipts, expense_approvals, payment_batches, payment_batch_items.
 *
 * Isolation is row-level security on every one of these tables: the API runs its back-office
 * statements as the role backoffice_tenant (not the owner, so the policies apply) with
 * app.company_id set for the transaction (organizations/tenant.ts). Without the setting a
 * query sees no row and can write none.
 *
 * Rules held here: dates ordered, amounts positive, one role once per person and company,
 * a version number once per contract, a signed version never changes, a receipt's hash
 * once per expense, an expense once in a batch.
 */
const AUDITED = `
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  created_by uuid,
  updated_by uuid`;

export const TENANT_TABLES = [
  "company_settings",
  "company_roles",
  "company_artists",
  "productions",
  "artist_contracts",
  "artist_contract_versions",
  "artist_contract_milestones",
  "signature_requests",
  "signature_webhook_events",
  "expenses",
  "expense_receipts",
  "expense_approvals",
  "payment_batches",
  "payment_batch_items",
];

const COMPANY = "nullif(current_setting('app.company_id', true), '')::uuid";

export async function up(knex: Knex): Promise<void> {
  // roles are cluster-wide: another database on the same server (a test's scratch database) may have made it
  await knex.raw(`
    do $$ begin
      if not exists (select 1 from pg_roles where rolname = 'backoffice_tenant') then
        create role backoffice_tenant nologin;
      end if;
    end $$;
  `);
  await knex.raw(`
    create table company_settings (
      company_id uuid constraint pk_company_settings primary key constraint fk_company_settings_organization references organizations (id) on delete restrict,
      timezone text not null default 'UTC',
      fiscal_year_start_month smallint not null default 1 constraint ck_company_settings_fiscal_month check (fiscal_year_start_month between 1 and 12),
      default_currency char(3) not null default 'EUR' constraint ck_company_settings_currency check (default_currency ~ '^[A-Z]{3}$'),
      expense_categories text[] not null default '{travel,accommodation,meals,equipment,costumes,other}',
      auto_approve_limit_minor bigint not null default 10000 constraint ck_company_settings_auto_limit check (auto_approve_limit_minor >= 0),
      admin_approval_limit_minor bigint not null default 50000,
      finance_approval_limit_minor bigint not null default 100000,
      payer_name varchar(70),
      payer_iban varchar(34),
      payer_bic varchar(11),
      ${AUDITED},
      constraint ck_company_settings_limits_ordered check (auto_approve_limit_minor <= admin_approval_limit_minor and admin_approval_limit_minor <= finance_approval_limit_minor)
    );

    create table company_roles (
      id uuid constraint pk_company_roles primary key,
      company_id uuid not null constraint fk_company_roles_company references company_settings (company_id) on delete cascade,
      user_id uuid not null constraint fk_company_roles_user references users (id) on delete restrict,
      role text not null constraint ck_company_roles_role check (role in ('artist', 'admin', 'accountant', 'production_manager', 'system_admin')),
      ${AUDITED},
      constraint uq_company_roles_company_user_role unique (company_id, user_id, role)
    );
    create index ix_company_roles_user_id on company_roles (user_id);

    create table company_artists (
      id uuid constraint pk_company_artists primary key,
      company_id uuid not null constraint fk_company_artists_company references company_settings (company_id) on delete restrict,
      user_id uuid not null constraint fk_company_artists_user references users (id) on delete restrict,
      stage_name varchar(200) not null,
      tax_id_country char(2),
      tax_id_encrypted bytea,
      tax_id_sha256 bytea constraint ck_company_artists_tax_hash check (tax_id_sha256 is null or length(tax_id_sha256) = 32),
      bank_account_encrypted bytea,
      bank_bic varchar(11),
      ${AUDITED},
      constraint uq_company_artists_company_user unique (company_id, user_id),
      constraint uq_company_artists_id_company unique (id, company_id)
    );
    create index ix_company_artists_user_id on company_artists (user_id);
    create index ix_company_artists_tax_hash on company_artists (company_id, tax_id_sha256) where tax_id_sha256 is not null;

    create table productions (
      id uuid constraint pk_productions primary key,
      company_id uuid not null constraint fk_productions_company references company_settings (company_id) on delete restrict,
      edition_id uuid constraint fk_productions_edition references editions (id) on delete restrict,
      name varchar(200) not null,
      starts_on date not null,
      ends_on date not null,
      budget_minor bigint not null default 0 constraint ck_productions_budget check (budget_minor >= 0),
      currency char(3) not null constraint ck_productions_currency check (currency ~ '^[A-Z]{3}$'),
      status text not null default 'planning' constraint ck_productions_status check (status in ('planning', 'active', 'completed', 'cancelled', 'archived')),
      ${AUDITED},
      constraint ck_productions_dates check (ends_on >= starts_on),
      constraint uq_productions_id_company unique (id, company_id)
    );
    create index ix_productions_company on productions (company_id, starts_on);
    create index ix_productions_edition_id on productions (edition_id);

    create table artist_contracts (
      id uuid constraint pk_artist_contracts primary key,
      company_id uuid not null,
      artist_id uuid not null,
      production_id uuid not null,
      number varchar(40) not null,
      status text not null default 'draft' constraint ck_artist_contracts_status check (
        status in ('draft', 'pending_signature', 'active', 'completed', 'expired', 'terminated', 'cancelled', 'archived')),
      current_version integer not null default 1,
      signed_version integer,
      engagement_id uuid constraint fk_artist_contracts_engagement references engagements (id) on delete restrict,
      payee_address varchar(42) constraint ck_artist_contracts_payee check (payee_address is null or payee_address ~ '^0x[0-9a-f]{40}$'),
      ${AUDITED},
      constraint uq_artist_contracts_company_number unique (company_id, number),
      constraint uq_artist_contracts_id_company unique (id, company_id),
      constraint fk_artist_contracts_artist foreign key (artist_id, company_id) references company_artists (id, company_id) on delete restrict,
      constraint fk_artist_contracts_production foreign key (production_id, company_id) references productions (id, company_id) on delete restrict,
      constraint ck_artist_contracts_active_signed check (status not in ('active', 'completed') or signed_version is not null)
    );
    create index ix_artist_contracts_company_artist on artist_contracts (company_id, artist_id, created_at desc);
    create index ix_artist_contracts_artist_id on artist_contracts (artist_id);
    create index ix_artist_contracts_production_id on artist_contracts (production_id);
    create index ix_artist_contracts_engagement_id on artist_contracts (engagement_id);

    create table artist_contract_versions (
      id uuid constraint pk_artist_contract_versions primary key,
      company_id uuid not null,
      contract_id uuid not null,
      version integer not null constraint ck_artist_contract_versions_version check (version >= 1),
      fee_minor bigint not null constraint ck_artist_contract_versions_fee_positive check (fee_minor > 0),
      currency char(3) not null constraint ck_artist_contract_versions_currency check (currency ~ '^[A-Z]{3}$'),
      starts_on date not null,
      ends_on date not null,
      terms jsonb not null default '{}',
      union_name varchar(120),
      union_member_number varchar(64),
      union_minimum_rate_minor bigint,
      document_sha256 bytea not null constraint ck_artist_contract_versions_sha check (length(document_sha256) = 32),
      amendment_reason text,
      term_diff jsonb,
      signed_at timestamptz,
      ${AUDITED},
      constraint uq_artist_contract_versions_contract_version unique (contract_id, version),
      constraint ck_artist_contract_versions_dates check (ends_on >= starts_on),
      constraint ck_artist_contract_versions_amendment_reason check (version = 1 or amendment_reason is not null),
      constraint fk_artist_contract_versions_contract foreign key (contract_id, company_id) references artist_contracts (id, company_id) on delete cascade
    );

    create table artist_contract_milestones (
      id uuid constraint pk_artist_contract_milestones primary key,
      company_id uuid not null,
      contract_id uuid not null,
      label varchar(200) not null,
      due_on date not null,
      amount_minor bigint not null constraint ck_artist_contract_milestones_amount check (amount_minor > 0),
      status text not null default 'pending' constraint ck_artist_contract_milestones_status check (status in ('pending', 'due', 'paid', 'cancelled')),
      paid_at timestamptz,
      ${AUDITED},
      constraint fk_artist_contract_milestones_contract foreign key (contract_id, company_id) references artist_contracts (id, company_id) on delete cascade
    );
    create index ix_artist_contract_milestones_contract_id on artist_contract_milestones (contract_id);

    create table signature_requests (
      id uuid constraint pk_signature_requests primary key,
      company_id uuid not null,
      contract_id uuid not null,
      version integer not null,
      provider text not null constraint ck_signature_requests_provider check (provider in ('manual', 'docusign', 'dropbox_sign')),
      envelope_id varchar(100) not null,
      status text not null default 'sent' constraint ck_signature_requests_status check (status in ('sent', 'signed', 'declined', 'voided')),
      completed_at timestamptz,
      ${AUDITED},
      constraint uq_signature_requests_provider_envelope unique (provider, envelope_id),
      constraint fk_signature_requests_contract foreign key (contract_id, company_id) references artist_contracts (id, company_id) on delete cascade
    );
    create index ix_signature_requests_contract_id on signature_requests (contract_id);

    create table signature_webhook_events (
      id uuid constraint pk_signature_webhook_events primary key,
      company_id uuid not null,
      provider text not null,
      event_key varchar(200) not null,
      envelope_id varchar(100) not null,
      event_type varchar(100) not null,
      payload jsonb not null,
      outcome text,
      processed_at timestamptz,
      received_at timestamptz not null default now(),
      constraint uq_signature_webhook_events_provider_key unique (provider, event_key)
    );
    create index ix_signature_webhook_events_company on signature_webhook_events (company_id, received_at desc);

    create table expenses (
      id uuid constraint pk_expenses primary key,
      company_id uuid not null,
      artist_id uuid not null,
      submitter_user_id uuid not null constraint fk_expenses_submitter references users (id) on delete restrict,
      production_id uuid,
      category varchar(60) not null,
      description varchar(500) not null,
      expense_date date not null,
      amount_minor bigint not null constraint ck_expenses_amount check (amount_minor > 0),
      currency char(3) not null constraint ck_expenses_currency check (currency ~ '^[A-Z]{3}$'),
      exchange_rate numeric(18, 8) not null constraint ck_expenses_rate check (exchange_rate > 0),
      base_amount_minor bigint not null constraint ck_expenses_base_amount check (base_amount_minor > 0),
      base_currency char(3) not null,
      status text not null default 'draft' constraint ck_expenses_status check (
        status in ('draft', 'submitted', 'in_review', 'approved', 'rejected', 'processing', 'paid')),
      required_approvals smallint not null default 0,
      submitted_at timestamptz,
      decided_at timestamptz,
      paid_at timestamptz,
      rejection_reason varchar(500),
      ${AUDITED},
      constraint uq_expenses_id_company unique (id, company_id),
      constraint fk_expenses_artist foreign key (artist_id, company_id) references company_artists (id, company_id) on delete restrict,
      constraint fk_expenses_production foreign key (production_id, company_id) references productions (id, company_id) on delete restrict
    );
    create index ix_expenses_queue on expenses (company_id, status, submitted_at, id) where status in ('submitted', 'in_review');
    create index ix_expenses_artist on expenses (company_id, artist_id, created_at desc, id);
    create index ix_expenses_artist_id on expenses (artist_id);
    create index ix_expenses_production_id on expenses (production_id);
    create index ix_expenses_submitter_user_id on expenses (submitter_user_id);

    create table expense_receipts (
      id uuid constraint pk_expense_receipts primary key,
      company_id uuid not null,
      expense_id uuid not null,
      content_type text not null constraint ck_expense_receipts_type check (content_type in ('image/jpeg', 'image/png', 'application/pdf')),
      byte_size integer not null constraint ck_expense_receipts_size check (byte_size between 1 and 52428800),
      sha256 bytea not null constraint ck_expense_receipts_sha check (length(sha256) = 32),
      storage_key text not null,
      file_name varchar(200),
      ${AUDITED},
      constraint uq_expense_receipts_expense_sha unique (expense_id, sha256),
      constraint fk_expense_receipts_expense foreign key (expense_id, company_id) references expenses (id, company_id) on delete cascade
    );

    create table expense_approvals (
      id uuid constraint pk_expense_approvals primary key,
      company_id uuid not null,
      expense_id uuid not null,
      approver_user_id uuid not null constraint fk_expense_approvals_approver references users (id) on delete restrict,
      approver_role text not null,
      level smallint not null,
      decision text not null constraint ck_expense_approvals_decision check (decision in ('approved', 'rejected')),
      comment varchar(500),
      created_at timestamptz not null default now(),
      constraint uq_expense_approvals_expense_level unique (expense_id, level),
      constraint uq_expense_approvals_expense_approver unique (expense_id, approver_user_id),
      constraint fk_expense_approvals_expense foreign key (expense_id, company_id) references expenses (id, company_id) on delete cascade
    );
    create index ix_expense_approvals_approver_user_id on expense_approvals (approver_user_id);

    create table payment_batches (
      id uuid constraint pk_payment_batches primary key,
      company_id uuid not null,
      reference varchar(35) not null,
      currency char(3) not null,
      total_minor bigint not null,
      status text not null default 'processing' constraint ck_payment_batches_status check (status in ('processing', 'paid')),
      paid_at timestamptz,
      ${AUDITED},
      constraint uq_payment_batches_company_reference unique (company_id, reference),
      constraint uq_payment_batches_id_company unique (id, company_id)
    );
    create index ix_payment_batches_company on payment_batches (company_id, created_at desc);

    create table payment_batch_items (
      batch_id uuid not null,
      expense_id uuid not null,
      company_id uuid not null,
      constraint pk_payment_batch_items primary key (batch_id, expense_id),
      constraint uq_payment_batch_items_expense unique (expense_id),
      constraint fk_payment_batch_items_batch foreign key (batch_id, company_id) references payment_batches (id, company_id) on delete cascade,
      constraint fk_payment_batch_items_expense foreign key (expense_id, company_id) references expenses (id, company_id) on delete restrict
    );
  `);

  // a signed version is the document both sides agreed to: it never changes, never goes away
  await knex.raw(`
    create or replace function artist_contract_versions_immutable() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' then
        if old.signed_at is not null then
          raise exception 'a signed contract version cannot be deleted' using errcode = 'check_violation', constraint = 'ck_artist_contract_versions_immutable';
        end if;
        return old;
      end if;
      if old.signed_at is not null or (new.fee_minor, new.currency, new.starts_on, new.ends_on, new.terms, new.document_sha256, new.version)
          is distinct from (old.fee_minor, old.currency, old.starts_on, old.ends_on, old.terms, old.document_sha256, old.version) then
        raise exception 'a contract version is immutable' using errcode = 'check_violation', constraint = 'ck_artist_contract_versions_immutable';
      end if;
      return new;
    end $$;
    create trigger trg_artist_contract_versions_immutable before update or delete on artist_contract_versions
      for each row execute function artist_contract_versions_immutable();
  `);

  // webhooks arrive without a tenant: this resolves an envelope's company and nothing else
  await knex.raw(`
    create or replace function signature_request_company(p_provider text, p_envelope_id text) returns uuid
      language sql stable security definer set search_path = public as $$
      select company_id from signature_requests where provider = p_provider and envelope_id = p_envelope_id
    $$;
    revoke all on function signature_request_company(text, text) from public;
    grant execute on function signature_request_company(text, text) to backoffice_tenant;
  `);

  for (const table of TENANT_TABLES) {
    await knex.raw(`alter table ${table} enable row level security`);
    await knex.raw(`alter table ${table} force row level security`);
    await knex.raw(`create policy p_${table}_company on ${table} using (company_id = ${COMPANY}) with check (company_id = ${COMPANY})`);
    await knex.raw(`grant select, insert, update, delete on ${table} to backoffice_tenant`);
    if (!["signature_webhook_events", "expense_approvals", "payment_batch_items"].includes(table)) {
      await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
    }
  }
  // an artist working for several companies lists them: a person reads their own role rows in any company
  await knex.raw(`create policy p_company_roles_self on company_roles for select using (user_id = nullif(current_setting('app.user_id', true), '')::uuid)`);
  // what a back-office transaction also touches: its audit row, display names, idempotency is on its own connection
  await knex.raw(`grant insert on audit_log to backoffice_tenant`);
  await knex.raw(`grant select on user_accounts to backoffice_tenant`);
  await knex.raw(`grant select (id, name) on organizations to backoffice_tenant`);
  await knex.raw(`grant select on edition_time_zones, live_festivals to backoffice_tenant`);
  // the connecting role may become the tenant role (a superuser may anyway)
  await knex.raw(`
    do $$ begin
      if not (select rolsuper from pg_roles where rolname = current_user) then
        execute format('grant backoffice_tenant to %I', current_user);
      end if;
    end $$;
  `);
  // audit rows for the back office say which fields changed
  await knex.raw(`alter table audit_log add column changed_fields text[]`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`alter table audit_log drop column changed_fields`);
  await knex.raw(`drop function signature_request_company(text, text)`);
  for (const table of [...TENANT_TABLES].reverse()) await knex.raw(`drop table ${table}`);
  await knex.raw(`drop function artist_contract_versions_immutable()`);
  await knex.raw(`revoke all on audit_log, user_accounts, organizations, edition_time_zones, live_festivals from backoffice_tenant`);
}
