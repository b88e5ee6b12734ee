import type { Knex } from "knex";

/**
 * gate_devices (module gate): what each scanner device last told the server about itself, so
 * the organizer's dashboard can show the gates that are offline: not heard from recently,
 * working from a downloaded snapshot, with scans queued for upload. One row per (event,
 * device), overwritten by each report: the scans themselves stay in gate_scans and
 * gate_offline_scans; this is the device's latest state, not a log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table gate_devices (
      id uuid not null constraint pk_gate_devices primary key,
      event_contract_id uuid not null constraint fk_gate_devices_event_contract references event_contracts (id) on delete cascade,
      device_id text not null constraint ck_gate_devices_device_id check (length(device_id) between 1 and 100),
      zone_id uuid constraint fk_gate_devices_zone references gate_zones (id) on delete set null,
      scanner_user_id uuid constraint fk_gate_devices_scanner references users (id) on delete set null,
      mode text not null constraint ck_gate_devices_mode check (mode in ('online', 'offline')),
      queued_scans integer not null default 0 constraint ck_gate_devices_queued_not_negative check (queued_scans >= 0),
      snapshot_issued_at timestamptz,
      last_seen_at timestamptz not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint uq_gate_devices_event_device unique (event_contract_id, device_id)
    );
    create index ix_gate_devices_zone on gate_devices (zone_id);
    create index ix_gate_devices_scanner_user on gate_devices (scanner_user_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop table gate_devices");
}
