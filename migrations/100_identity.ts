import type { Knex } from "knex";
import { newId } from "../lib/ids.js";

/**
 * Identity, access control and the audit trail.
 *
 * Conventions: uuid ids made in the app (UUIDv7), timestamptz, created_by/updated_by on
 * mutable tables (plain uuids, no FK, so a system actor or a removed user never blocks a
 * write), named constraints, and every rule the database can hold is held here.
 */

const EVM_ADDRESS = "^0x[0-9a-f]{40}$";
const STELLAR_ACCOUNT = "^G[A-Z2-7]{55}$";

function audited(t: Knex.CreateTableBuilder, knex: Knex): void {
  t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  t.uuid("created_by");
  t.uuid("updated_by");
}

async function updatedAtTrigger(knex: Knex, table: string): Promise<void> {
  await knex.raw(`create trigger trg_${table}_updated_at before update on ${table} for each row execute function set_updated_at()`);
}

const MUTABLE_TABLES = [
  "users",
  "user_passwords",
  "wallets",
  "organizer_profiles",
  "artist_profiles",
  "content_creator_profiles",
  "sponsor_profiles",
  "fan_profiles",
  "roles",
  "organizations",
  "organization_members",
  "festivals",
  "festival_permissions",
  "festival_invitations",
  "api_keys",
];

export async function up(knex: Knex): Promise<void> {
  // ---------------------------------------------------------------- people
  await knex.schema.createTable("users", (t) => {
    t.uuid("id").primary({ constraintName: "pk_users" });
    t.specificType("email", "citext").unique({ indexName: "uq_users_email" });
    t.timestamp("email_verified_at", { useTz: true });
    t.string("display_name", 120);
    t.string("avatar_url", 2048);
    t.text("bio");
    t.string("locale", 35);
    t.string("timezone", 64);
    t.string("status", 16).notNullable().defaultTo("active");
    t.timestamp("last_sign_in_at", { useTz: true });
    audited(t, knex);
    t.timestamp("deleted_at", { useTz: true });
    t.check("status in ('active', 'disabled')", [], "ck_users_status");
    t.check("email is null or email ~ '^[^@\\s]+@[^@\\s]+$'", [], "ck_users_email_format");
  });

  // Separate from users so a `select *` on users can never leak a hash.
  await knex.schema.createTable("user_passwords", (t) => {
    t.uuid("user_id").primary({ constraintName: "pk_user_passwords" });
    t.foreign("user_id", "fk_user_passwords_user").references("users.id").onDelete("CASCADE");
    t.text("password_hash").notNullable();
    t.integer("failed_attempts").notNullable().defaultTo(0);
    t.timestamp("locked_until", { useTz: true });
    t.timestamp("password_changed_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    audited(t, knex);
    t.check("failed_attempts >= 0", [], "ck_user_passwords_failed_attempts");
    t.check("password_hash like '$argon2id$%'", [], "ck_user_passwords_argon2id");
  });

  await knex.schema.createTable("wallets", (t) => {
    t.uuid("id").primary({ constraintName: "pk_wallets" });
    t.uuid("user_id").notNullable().index("ix_wallets_user_id");
    t.foreign("user_id", "fk_wallets_user").references("users.id").onDelete("CASCADE");
    t.string("network", 16).notNullable();
    t.string("address", 64).notNullable();
    t.string("label", 80);
    t.boolean("is_primary").notNullable().defaultTo(false);
    t.timestamp("verified_at", { useTz: true }).notNullable();
    audited(t, knex);
    t.check("network in ('evm', 'stellar')", [], "ck_wallets_network");
    t.check(`(network = 'evm' and address ~ '${EVM_ADDRESS}') or (network = 'stellar' and address ~ '${STELLAR_ACCOUNT}')`, [], "ck_wallets_address_format");
    // An address belongs to one user; EVM addresses are one namespace across chains.
    t.unique(["network", "address"], { indexName: "uq_wallets_address" });
  });
  await knex.raw("create unique index uq_wallets_primary_per_network on wallets (user_id, network) where is_primary");

  // ---------------------------------------------------------------- role profiles
  await knex.schema.createTable("organizer_profiles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_organizer_profiles" });
    t.uuid("user_id").notNullable().unique({ indexName: "uq_organizer_profiles_user" });
    t.foreign("user_id", "fk_organizer_profiles_user").references("users.id").onDelete("CASCADE");
    t.string("company_name", 200).notNullable();
    t.string("website", 2048);
    t.binary("tax_id_encrypted"); // AES-256-GCM, see backend/src/security/encryption.ts
    t.binary("bank_details_encrypted");
    t.string("verification_status", 16).notNullable().defaultTo("unverified");
    t.timestamp("verified_at", { useTz: true });
    t.uuid("verified_by");
    audited(t, knex);
    t.check("verification_status in ('unverified', 'pending', 'verified', 'rejected')", [], "ck_organizer_profiles_verification_status");
    t.check("(verification_status = 'verified') = (verified_at is not null)", [], "ck_organizer_profiles_verified_at");
  });
  await knex.schema.createTable("artist_profiles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_artist_profiles" });
    t.uuid("user_id").notNullable().unique({ indexName: "uq_artist_profiles_user" });
    t.foreign("user_id", "fk_artist_profiles_user").references("users.id").onDelete("CASCADE");
    t.string("stage_name", 120).notNullable();
    t.specificType("genres", "text[]").notNullable().defaultTo("{}");
    t.text("bio");
    t.string("website", 2048);
    audited(t, knex);
  });
  await knex.schema.createTable("content_creator_profiles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_content_creator_profiles" });
    t.uuid("user_id").notNullable().unique({ indexName: "uq_content_creator_profiles_user" });
    t.foreign("user_id", "fk_content_creator_profiles_user").references("users.id").onDelete("CASCADE");
    t.string("channel_name", 120).notNullable();
    t.specificType("platforms", "text[]").notNullable().defaultTo("{}");
    t.string("website", 2048);
    audited(t, knex);
  });
  await knex.schema.createTable("sponsor_profiles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_sponsor_profiles" });
    t.uuid("user_id").notNullable().unique({ indexName: "uq_sponsor_profiles_user" });
    t.foreign("user_id", "fk_sponsor_profiles_user").references("users.id").onDelete("CASCADE");
    t.string("brand_name", 200).notNullable();
    t.string("website", 2048);
    audited(t, knex);
  });
  await knex.schema.createTable("fan_profiles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_fan_profiles" });
    t.uuid("user_id").notNullable().unique({ indexName: "uq_fan_profiles_user" });
    t.foreign("user_id", "fk_fan_profiles_user").references("users.id").onDelete("CASCADE");
    t.specificType("favourite_genres", "text[]").notNullable().defaultTo("{}");
    t.integer("loyalty_points").notNullable().defaultTo(0);
    t.string("loyalty_tier", 16).notNullable().defaultTo("bronze");
    audited(t, knex);
    t.check("loyalty_points >= 0", [], "ck_fan_profiles_loyalty_points");
    t.check("loyalty_tier in ('bronze', 'silver', 'gold', 'platinum')", [], "ck_fan_profiles_loyalty_tier");
  });

  // ---------------------------------------------------------------- sign-in state
  // SIWE nonces and wallet-link nonces: single use, consumed with one conditional UPDATE.
  await knex.schema.createTable("auth_nonces", (t) => {
    t.uuid("id").primary({ constraintName: "pk_auth_nonces" });
    t.string("nonce", 64).notNullable().unique({ indexName: "uq_auth_nonces_nonce" });
    t.string("purpose", 16).notNullable();
    t.uuid("user_id"); // set for wallet linking: the nonce is bound to who asked
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("expires_at", { useTz: true }).notNullable().index("ix_auth_nonces_expires_at");
    t.timestamp("consumed_at", { useTz: true });
    t.check("purpose in ('sign_in', 'link_wallet')", [], "ck_auth_nonces_purpose");
    t.check("nonce ~ '^[A-Za-z0-9]{16,64}$'", [], "ck_auth_nonces_nonce_format");
  });
  // SEP-10 challenges the server built; keyed by the transaction hash (signatures excluded).
  await knex.schema.createTable("stellar_challenges", (t) => {
    t.uuid("id").primary({ constraintName: "pk_stellar_challenges" });
    t.string("tx_hash", 64).notNullable().unique({ indexName: "uq_stellar_challenges_tx_hash" });
    t.string("account", 56).notNullable();
    t.string("purpose", 16).notNullable();
    t.uuid("user_id");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("expires_at", { useTz: true }).notNullable().index("ix_stellar_challenges_expires_at");
    t.timestamp("consumed_at", { useTz: true });
    t.check(`account ~ '${STELLAR_ACCOUNT}'`, [], "ck_stellar_challenges_account");
    t.check("purpose in ('sign_in', 'link_wallet')", [], "ck_stellar_challenges_purpose");
  });
  // Email verification and password reset: only the sha-256 of the token is stored.
  await knex.schema.createTable("email_tokens", (t) => {
    t.uuid("id").primary({ constraintName: "pk_email_tokens" });
    t.uuid("user_id").notNullable().index("ix_email_tokens_user_id");
    t.foreign("user_id", "fk_email_tokens_user").references("users.id").onDelete("CASCADE");
    t.string("purpose", 24).notNullable();
    t.string("token_hash", 64).notNullable().unique({ indexName: "uq_email_tokens_token_hash" });
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("expires_at", { useTz: true }).notNullable();
    t.timestamp("consumed_at", { useTz: true });
    t.check("purpose in ('verify_email', 'reset_password')", [], "ck_email_tokens_purpose");
  });
  // No mail server: outgoing mail is a row (a sender job or a test reads it).
  await knex.schema.createTable("outbound_emails", (t) => {
    t.uuid("id").primary({ constraintName: "pk_outbound_emails" });
    t.specificType("to_address", "citext").notNullable().index("ix_outbound_emails_to_address");
    t.string("template", 40).notNullable();
    t.string("subject", 200).notNullable();
    t.text("body").notNullable();
    t.jsonb("data").notNullable().defaultTo("{}");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("sent_at", { useTz: true });
  });

  // A session is a refresh-token family: rotating a token keeps the session, reusing a
  // rotated token revokes the session (and every token in it).
  await knex.schema.createTable("auth_sessions", (t) => {
    t.uuid("id").primary({ constraintName: "pk_auth_sessions" });
    t.uuid("user_id").notNullable().index("ix_auth_sessions_user_id");
    t.foreign("user_id", "fk_auth_sessions_user").references("users.id").onDelete("CASCADE");
    t.string("method", 16).notNullable();
    t.specificType("ip", "inet");
    t.string("user_agent", 512);
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("expires_at", { useTz: true }).notNullable();
    t.timestamp("last_refreshed_at", { useTz: true });
    t.timestamp("revoked_at", { useTz: true });
    t.string("revoked_reason", 32);
    t.check("method in ('siwe', 'sep10', 'password', 'test')", [], "ck_auth_sessions_method");
    t.check("(revoked_at is null) = (revoked_reason is null)", [], "ck_auth_sessions_revoked_reason");
  });
  await knex.schema.createTable("refresh_tokens", (t) => {
    t.uuid("id").primary({ constraintName: "pk_refresh_tokens" });
    t.uuid("session_id").notNullable().index("ix_refresh_tokens_session_id");
    t.foreign("session_id", "fk_refresh_tokens_session").references("auth_sessions.id").onDelete("CASCADE");
    t.string("token_hash", 64).notNullable().unique({ indexName: "uq_refresh_tokens_token_hash" });
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("expires_at", { useTz: true }).notNullable();
    t.timestamp("rotated_at", { useTz: true });
  });

  // ---------------------------------------------------------------- platform roles
  await knex.schema.createTable("roles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_roles" });
    t.string("name", 32).notNullable().unique({ indexName: "uq_roles_name" });
    t.string("description", 200).notNullable();
    audited(t, knex);
    t.check("name ~ '^[a-z][a-z_]*$'", [], "ck_roles_name_format");
  });
  await knex.schema.createTable("permissions", (t) => {
    t.uuid("id").primary({ constraintName: "pk_permissions" });
    t.string("name", 64).notNullable().unique({ indexName: "uq_permissions_name" });
    t.string("description", 200).notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check("name ~ '^[a-z][a-z_]*\\.[a-z][a-z_]*$'", [], "ck_permissions_name_resource_action");
  });
  await knex.schema.createTable("role_permissions", (t) => {
    t.uuid("id").primary({ constraintName: "pk_role_permissions" });
    t.uuid("role_id").notNullable();
    t.foreign("role_id", "fk_role_permissions_role").references("roles.id").onDelete("CASCADE");
    t.uuid("permission_id").notNullable().index("ix_role_permissions_permission_id");
    t.foreign("permission_id", "fk_role_permissions_permission").references("permissions.id").onDelete("CASCADE");
    t.string("scope", 16).notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid("created_by");
    t.unique(["role_id", "permission_id"], { indexName: "uq_role_permissions_role_permission" });
    t.check("scope in ('own', 'organization', 'all')", [], "ck_role_permissions_scope");
  });
  await knex.schema.createTable("user_roles", (t) => {
    t.uuid("id").primary({ constraintName: "pk_user_roles" });
    t.uuid("user_id").notNullable();
    t.foreign("user_id", "fk_user_roles_user").references("users.id").onDelete("CASCADE");
    t.uuid("role_id").notNullable().index("ix_user_roles_role_id");
    t.foreign("role_id", "fk_user_roles_role").references("roles.id").onDelete("CASCADE");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.uuid("created_by");
    t.unique(["user_id", "role_id"], { indexName: "uq_user_roles_user_role" });
  });

  // ---------------------------------------------------------------- organizations
  await knex.schema.createTable("organizations", (t) => {
    t.uuid("id").primary({ constraintName: "pk_organizations" });
    t.string("name", 200).notNullable();
    t.specificType("slug", "citext").notNullable().unique({ indexName: "uq_organizations_slug" });
    t.string("legal_name", 200);
    t.binary("tax_id_encrypted");
    t.binary("bank_details_encrypted");
    t.string("website", 2048);
    audited(t, knex);
    t.timestamp("deleted_at", { useTz: true });
    t.check("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", [], "ck_organizations_slug_format");
  });
  await knex.schema.createTable("organization_members", (t) => {
    t.uuid("id").primary({ constraintName: "pk_organization_members" });
    t.uuid("organization_id").notNullable();
    t.foreign("organization_id", "fk_organization_members_organization").references("organizations.id").onDelete("CASCADE");
    t.uuid("user_id").notNullable().index("ix_organization_members_user_id");
    t.foreign("user_id", "fk_organization_members_user").references("users.id").onDelete("CASCADE");
    t.string("role", 16).notNullable();
    audited(t, knex);
    t.unique(["organization_id", "user_id"], { indexName: "uq_organization_members_organization_user" });
    t.check("role in ('owner', 'admin', 'member')", [], "ck_organization_members_role");
  });

  // Minimal festivals table so festival permissions have something to reference.
  // Owned by the festivals module, which extends it with ALTER TABLE in its own
  // migration (editions, dates, timezone, ...). Keep this shape minimal on purpose.
  await knex.schema.createTable("festivals", (t) => {
    t.uuid("id").primary({ constraintName: "pk_festivals" });
    t.uuid("organization_id").notNullable().index("ix_festivals_organization_id");
    t.foreign("organization_id", "fk_festivals_organization").references("organizations.id").onDelete("RESTRICT");
    t.string("name", 200).notNullable();
    t.specificType("slug", "citext").notNullable();
    audited(t, knex);
    t.timestamp("deleted_at", { useTz: true });
    t.check("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", [], "ck_festivals_slug_format");
  });

  // ---------------------------------------------------------------- festival-scoped access
  const levels = "('viewer', 'manager', 'administrator', 'owner')";
  const scopes = "('all', 'venues', 'schedule', 'artists', 'editions', 'integrations')";
  await knex.schema.createTable("festival_permissions", (t) => {
    t.uuid("id").primary({ constraintName: "pk_festival_permissions" });
    t.uuid("festival_id").notNullable();
    t.foreign("festival_id", "fk_festival_permissions_festival").references("festivals.id").onDelete("CASCADE");
    t.uuid("user_id").notNullable().index("ix_festival_permissions_user_id");
    t.foreign("user_id", "fk_festival_permissions_user").references("users.id").onDelete("CASCADE");
    t.string("level", 16).notNullable();
    t.string("scope", 16).notNullable();
    audited(t, knex);
    t.unique(["festival_id", "user_id", "scope"], { indexName: "uq_festival_permissions_festival_user_scope" });
    t.check(`level in ${levels}`, [], "ck_festival_permissions_level");
    t.check(`scope in ${scopes}`, [], "ck_festival_permissions_scope");
  });
  await knex.schema.createTable("festival_invitations", (t) => {
    t.uuid("id").primary({ constraintName: "pk_festival_invitations" });
    t.uuid("festival_id").notNullable().index("ix_festival_invitations_festival_id");
    t.foreign("festival_id", "fk_festival_invitations_festival").references("festivals.id").onDelete("CASCADE");
    t.specificType("email", "citext").notNullable();
    t.string("level", 16).notNullable();
    t.string("scope", 16).notNullable();
    t.string("token_hash", 64).notNullable().unique({ indexName: "uq_festival_invitations_token_hash" });
    t.string("status", 16).notNullable().defaultTo("pending");
    t.timestamp("expires_at", { useTz: true }).notNullable();
    t.uuid("accepted_by").index("ix_festival_invitations_accepted_by");
    t.foreign("accepted_by", "fk_festival_invitations_accepted_by").references("users.id").onDelete("SET NULL");
    t.timestamp("accepted_at", { useTz: true });
    t.timestamp("revoked_at", { useTz: true });
    audited(t, knex);
    t.check(`level in ${levels}`, [], "ck_festival_invitations_level");
    t.check(`scope in ${scopes}`, [], "ck_festival_invitations_scope");
    t.check("status in ('pending', 'accepted', 'revoked')", [], "ck_festival_invitations_status");
    t.check("(status = 'accepted') = (accepted_at is not null)", [], "ck_festival_invitations_accepted_at");
    t.check("(status = 'revoked') = (revoked_at is not null)", [], "ck_festival_invitations_revoked_at");
  });
  await knex.raw("create unique index uq_festival_invitations_pending on festival_invitations (festival_id, email, scope) where status = 'pending'");

  // ---------------------------------------------------------------- API keys
  await knex.schema.createTable("api_keys", (t) => {
    t.uuid("id").primary({ constraintName: "pk_api_keys" });
    t.uuid("user_id").notNullable().index("ix_api_keys_user_id"); // the key acts for this user, narrowed by scopes
    t.foreign("user_id", "fk_api_keys_user").references("users.id").onDelete("CASCADE");
    t.uuid("organization_id").index("ix_api_keys_organization_id");
    t.foreign("organization_id", "fk_api_keys_organization").references("organizations.id").onDelete("CASCADE");
    t.string("name", 80).notNullable();
    t.string("prefix", 16).notNullable().unique({ indexName: "uq_api_keys_prefix" });
    t.string("key_hash", 64).notNullable().unique({ indexName: "uq_api_keys_key_hash" });
    t.specificType("scopes", "text[]").notNullable();
    t.integer("rate_limit_per_minute").notNullable();
    t.timestamp("expires_at", { useTz: true });
    t.timestamp("revoked_at", { useTz: true });
    t.timestamp("last_used_at", { useTz: true });
    t.bigInteger("usage_count").notNullable().defaultTo(0);
    audited(t, knex);
    t.check("rate_limit_per_minute > 0", [], "ck_api_keys_rate_limit_positive");
    t.check("usage_count >= 0", [], "ck_api_keys_usage_count");
    t.check("cardinality(scopes) > 0", [], "ck_api_keys_scopes_not_empty");
  });

  // ---------------------------------------------------------------- idempotency
  await knex.schema.createTable("idempotency_keys", (t) => {
    t.uuid("id").primary({ constraintName: "pk_idempotency_keys" });
    t.string("principal", 80).notNullable(); // "user:<id>" or "api_key:<id>": keys are per caller
    t.string("key", 200).notNullable();
    t.string("method", 8).notNullable();
    t.string("path", 512).notNullable();
    t.string("request_hash", 64).notNullable();
    t.string("state", 16).notNullable().defaultTo("in_progress");
    t.integer("response_status");
    t.jsonb("response_body");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("completed_at", { useTz: true });
    t.timestamp("expires_at", { useTz: true }).notNullable().index("ix_idempotency_keys_expires_at");
    t.unique(["principal", "key"], { indexName: "uq_idempotency_keys_principal_key" });
    t.check("state in ('in_progress', 'completed')", [], "ck_idempotency_keys_state");
    t.check("(state = 'completed') = (response_status is not null)", [], "ck_idempotency_keys_response");
  });

  // ---------------------------------------------------------------- audit trail
  // Append-only and partitioned by month. No foreign keys on purpose: the trail outlives
  // whatever it mentions. Partitions are made 24 months ahead; a default partition
  // catches anything beyond so an insert never fails.
  await knex.raw(`
    create table audit_log (
      id uuid not null,
      created_at timestamptz not null default now(),
      actor_type varchar(16) not null,
      actor_user_id uuid,
      actor_api_key_id uuid,
      action varchar(64) not null,
      entity_type varchar(64) not null,
      entity_id uuid,
      organization_id uuid,
      festival_id uuid,
      before jsonb,
      after jsonb,
      ip inet,
      user_agent varchar(512),
      request_id varchar(64),
      constraint pk_audit_log primary key (id, created_at),
      constraint ck_audit_log_actor_type check (actor_type in ('user', 'api_key', 'system', 'anonymous')),
      constraint ck_audit_log_actor check (
        (actor_type = 'user' and actor_user_id is not null and actor_api_key_id is null)
        or (actor_type = 'api_key' and actor_api_key_id is not null)
        or (actor_type in ('system', 'anonymous') and actor_api_key_id is null)
      ),
      constraint ck_audit_log_action_format check (action ~ '^[a-z][a-z_]*\\.[a-z][a-z_]*$')
    ) partition by range (created_at)
  `);
  await knex.raw(`
    create or replace function audit_log_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$;
  `);
  await knex.raw(`
    create or replace function audit_log_ensure_partition(month date) returns void language plpgsql as $$
    declare
      start_at date := date_trunc('month', month)::date;
      name text := 'audit_log_' || to_char(start_at, 'YYYY_MM');
    begin
      execute format(
        'create table if not exists %I partition of audit_log for values from (%L) to (%L)',
        name, start_at, (start_at + interval '1 month')::date
      );
      -- statement triggers are not cloned onto partitions: refuse TRUNCATE on each one
      execute format(
        'create or replace trigger trg_%s_no_truncate before truncate on %I for each statement execute function audit_log_refuse_change()',
        name, name
      );
    end $$;
  `);
  await knex.raw(`
    select audit_log_ensure_partition((date_trunc('month', now()) + make_interval(months => m))::date)
    from generate_series(-1, 24) as m
  `);
  await knex.raw("create table audit_log_default partition of audit_log default");
  await knex.raw(
    "create trigger trg_audit_log_default_no_truncate before truncate on audit_log_default for each statement execute function audit_log_refuse_change()",
  );
  await knex.raw("create index ix_audit_log_created_at_id on audit_log (created_at desc, id desc)");
  await knex.raw("create index ix_audit_log_organization on audit_log (organization_id, created_at desc) where organization_id is not null");
  await knex.raw("create index ix_audit_log_entity on audit_log (entity_type, entity_id)");
  await knex.raw("create index ix_audit_log_actor_user on audit_log (actor_user_id, created_at desc) where actor_user_id is not null");
  // Row triggers on a partitioned table are cloned onto every partition, present and future.
  await knex.raw("create trigger trg_audit_log_append_only before update or delete on audit_log for each row execute function audit_log_refuse_change()");
  await knex.raw("create trigger trg_audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_refuse_change()");

  for (const table of MUTABLE_TABLES) await updatedAtTrigger(knex, table);

  await seedRolesAndPermissions(knex);
}

/**
 * Platform roles and their permissions (`resource.action`, scope own | organization | all).
 * Later migrations refer to roles and permissions by name, never by id.
 */
const PLATFORM_ROLES = ["admin", "organizer", "artist", "content_creator", "sponsor", "fan", "staff", "cashier", "security"] as const;

const PERMISSIONS: Record<string, string> = {
  "users.read": "read user accounts",
  "users.update": "change user accounts",
  "roles.assign": "grant and revoke platform roles",
  "organizations.create": "create organizations",
  "organizations.read": "read organizations",
  "organizations.update": "change organizations and their members",
  "festivals.create": "create festivals",
  "festivals.read": "read festivals",
  "festivals.update": "change festivals",
  "audit.read": "query the audit trail",
  "api_keys.manage": "create and revoke API keys",
  "profiles.verify": "verify organizer profiles",
  "tickets.scan": "check tickets in at the gate",
  "wristbands.charge": "charge cashless wristbands",
  "payouts.claim": "claim revenue-split payouts",
};

const GRANTS: Record<(typeof PLATFORM_ROLES)[number], Array<[string, "own" | "organization" | "all"]>> = {
  admin: Object.keys(PERMISSIONS).map((p) => [p, "all"]),
  organizer: [
    ["organizations.create", "own"],
    ["organizations.read", "organization"],
    ["organizations.update", "organization"],
    ["festivals.create", "organization"],
    ["festivals.read", "organization"],
    ["festivals.update", "organization"],
    ["audit.read", "organization"],
    ["api_keys.manage", "own"],
  ],
  artist: [
    ["payouts.claim", "own"],
    ["festivals.read", "all"],
  ],
  content_creator: [
    ["payouts.claim", "own"],
    ["festivals.read", "all"],
  ],
  sponsor: [
    ["payouts.claim", "own"],
    ["festivals.read", "all"],
  ],
  fan: [["festivals.read", "all"]],
  staff: [
    ["festivals.read", "organization"],
    ["tickets.scan", "organization"],
  ],
  cashier: [["wristbands.charge", "organization"]],
  security: [["tickets.scan", "organization"]],
};

async function seedRolesAndPermissions(knex: Knex): Promise<void> {
  const roleIds = new Map<string, string>();
  for (const name of PLATFORM_ROLES) {
    const [row] = await knex("roles")
      .insert({ id: newId(), name, description: `platform role: ${name}` })
      .returning("id");
    roleIds.set(name, row.id);
  }
  const permissionIds = new Map<string, string>();
  for (const [name, description] of Object.entries(PERMISSIONS)) {
    const [row] = await knex("permissions").insert({ id: newId(), name, description }).returning("id");
    permissionIds.set(name, row.id);
  }
  for (const [role, grants] of Object.entries(GRANTS)) {
    for (const [permission, scope] of grants) {
      await knex("role_permissions").insert({
        id: newId(),
        role_id: roleIds.get(role),
        permission_id: permissionIds.get(permission),
        scope,
      });
    }
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table if exists audit_log cascade");
  await knex.raw("drop function if exists audit_log_refuse_change()");
  await knex.raw("drop function if exists audit_log_ensure_partition(date)");
  for (const table of [
    "idempotency_keys",
    "api_keys",
    "festival_invitations",
    "festival_permissions",
    "festivals",
    "organization_members",
    "organizations",
    "user_roles",
    "role_permissions",
    "permissions",
    "roles",
    "refresh_tokens",
    "auth_sessions",
    "outbound_emails",
    "email_tokens",
    "stellar_challenges",
    "auth_nonces",
    "fan_profiles",
    "sponsor_profiles",
    "content_creator_profiles",
    "artist_profiles",
    "organizer_profiles",
    "wallets",
    "user_passwords",
    "users",
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
