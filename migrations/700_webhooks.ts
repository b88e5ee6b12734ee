import type { Knex } from "knex";

/**
 * Outbound webhooks (Standard Webhooks): an organization's endpoints, the messages its
 * events produce, and one delivery per (message, endpoint) with the log of its attempts.
 *
 * - webhook_endpoints: an HTTPS (or, in development, any http) URL subscribed to event
 *   types. The signing secret is kept encrypted (DataBox, AES-256-GCM) because every
 *   delivery needs it in clear; after a rotation the previous secret signs too until
 *   previous_secret_expires_at. failing_since is set by the first failed attempt after a
 *   success; an endpoint failing for 5 days is disabled.
 * - webhook_messages: what happened, once (uq_webhook_messages_source: an outbox fact or a
 *   domain event is published at most once, so a consumer that crashes and retries cannot
 *   make a second webhook-id for the same fact). Its id is the webhook-id of every attempt.
 * - webhook_deliveries: one per message and endpoint (uq_webhook_deliveries_message_endpoint),
 *   pending until it succeeds, fails for good (schedule exhausted, 410, endpoint disabled).
 * - webhook_attempts: every HTTP attempt with status, duration and a capped excerpt of the
 *   answer; kept 30 days like the messages.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table webhook_endpoints (
      id uuid not null constraint pk_webhook_endpoints primary key,
      organization_id uuid not null constraint fk_webhook_endpoints_organization references organizations (id) on delete cascade,
      url text not null constraint ck_webhook_endpoints_url check (url ~ '^(http|https)://' and length(url) <= 2000),
      description text not null default '' constraint ck_webhook_endpoints_description check (length(description) <= 500),
      event_types text[] not null constraint ck_webhook_endpoints_event_types check (cardinality(event_types) between 1 and 50),
      secret_encrypted bytea not null,
      previous_secret_encrypted bytea,
      previous_secret_expires_at timestamptz,
      disabled_at timestamptz,
      disabled_reason text,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      updated_by uuid,
      constraint ck_webhook_endpoints_previous_secret check ((previous_secret_encrypted is null) = (previous_secret_expires_at is null))
    );
    create index ix_webhook_endpoints_organization on webhook_endpoints (organization_id) where disabled_at is null;
    create trigger trg_webhook_endpoints_updated_at before update on webhook_endpoints for each row execute function set_updated_at();

    create table webhook_messages (
      id uuid not null constraint pk_webhook_messages primary key,
      organization_id uuid not null constraint fk_webhook_messages_organization references organizations (id) on delete cascade,
      event_type text not null,
      payload jsonb not null,
      source_key text not null constraint uq_webhook_messages_source unique,
      created_at timestamptz not null default now()
    );
    create index ix_webhook_messages_organization on webhook_messages (organization_id, created_at);
    create index ix_webhook_messages_created on webhook_messages (created_at);

    create table webhook_deliveries (
      id uuid not null constraint pk_webhook_deliveries primary key,
      message_id uuid not null constraint fk_webhook_deliveries_message references webhook_messages (id) on delete cascade,
      endpoint_id uuid not null constraint fk_webhook_deliveries_endpoint references webhook_endpoints (id) on delete cascade,
      status text not null default 'pending' constraint ck_webhook_deliveries_status check (status in ('pending', 'succeeded', 'failed')),
      attempts integer not null default 0 constraint ck_webhook_deliveries_attempts check (attempts >= 0),
      next_attempt_at timestamptz,
      last_response_status integer,
      last_error text,
      succeeded_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint uq_webhook_deliveries_message_endpoint unique (message_id, endpoint_id)
    );
    create index ix_webhook_deliveries_endpoint on webhook_deliveries (endpoint_id, created_at);
    -- the dispatchers' queue: due deliveries, oldest first
    create index ix_webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
    create trigger trg_webhook_deliveries_updated_at before update on webhook_deliveries for each row execute function set_updated_at();

    create table webhook_attempts (
      id uuid not null constraint pk_webhook_attempts primary key,
      delivery_id uuid not null constraint fk_webhook_attempts_delivery references webhook_deliveries (id) on delete cascade,
      attempt integer not null,
      started_at timestamptz not null,
      duration_ms integer not null,
      response_status integer,
      response_excerpt text,
      error text,
      created_at timestamptz not null default now()
    );
    create index ix_webhook_attempts_delivery on webhook_attempts (delivery_id, attempt);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table webhook_attempts; drop table webhook_deliveries; drop table webhook_messages; drop table webhook_endpoints;");
}
