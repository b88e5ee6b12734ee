import { Model } from "objection";
import type { Address } from "viem";
import { AuditedModel } from "../audit/audited-model.js";

/**
 * The gate's tables as objection Models, for the ordinary reads and writes (zones, scanner
 * accounts, the zone access log, offline uploads). The scan/admission hot path (scan.ts,
 * admission-policy.ts, entrance-batcher.ts, ownership.ts) stays on knex/SQL: it is the
 * measured hot path, one round trip per decision.
 *
 * bigint and numeric columns (chain ids, token ids, nonces) come back from pg as strings.
 */

export type ZoneKind = "entrance" | "area";
export type ScanSource = "online" | "offline";

export class GateZone extends AuditedModel {
  static override tableName = "gate_zones";
  declare event_contract_id: string;
  declare code: string;
  declare name: string;
  declare kind: ZoneKind;
  declare capacity: number | null;
  declare occupancy: number;
  declare allow_reentry: boolean;
}

export class GateZonePresence extends Model {
  static override tableName = "gate_zone_presence";
  static override idColumn = ["zone_id", "token_id"];
  declare zone_id: string;
  declare token_id: string;
  declare inside: boolean;
  declare pass_nonce: string | null;
  declare scanner_user_id: string | null;
  declare device_id: string | null;
  declare updated_at: Date;
}

export class GateCheckIn extends Model {
  static override tableName = "gate_check_ins";
  static override idColumn = "id";
  declare id: string;
  declare event_contract_id: string;
  declare chain_id: string;
  declare contract_address: Address;
  declare token_id: string;
  declare holder_address: Address;
  declare zone_id: string | null;
  declare scanner_user_id: string | null;
  declare source: ScanSource;
  declare device_id: string | null;
  declare pass_nonce: string | null;
  declare checked_in_at: Date;
  declare anchor_status: "pending" | "submitted" | "anchored" | "failed";
  declare anchor_tx_hash: string | null;
  declare anchor_attempts: number;
  declare anchor_claimed_at: Date | null;
  declare anchor_error: string | null;
  declare anchored_at: Date | null;
  declare confirmed_at: Date | null;
}

export class GatePassUse extends Model {
  static override tableName = "gate_pass_uses";
  static override idColumn = ["chain_id", "contract_address", "token_id", "nonce"];
  declare chain_id: string;
  declare contract_address: Address;
  declare token_id: string;
  declare nonce: string;
  declare expires_at: Date;
}

export class GateScan extends Model {
  static override tableName = "gate_scans";
  static override idColumn = "id";
  declare id: string;
  declare event_contract_id: string;
  declare zone_id: string;
  declare direction: "in" | "out";
  declare token_id: string | null;
  declare holder_address: string | null;
  declare verdict: string;
  declare scanner_user_id: string | null;
  declare source: ScanSource;
  declare device_id: string | null;
  declare pass_nonce: string | null;
  declare scanned_at: Date;
}

export class GateScanner extends AuditedModel {
  static override tableName = "gate_scanners";
  declare festival_id: string;
  declare user_id: string;
  declare revoked_at: Date | null;
}

export class GateOfflineScan extends Model {
  static override tableName = "gate_offline_scans";
  static override idColumn = "id";
  declare id: string;
  declare event_contract_id: string;
  declare device_id: string;
  declare nonce: string;
  declare zone_id: string;
  declare token_id: string;
  declare holder_address: string | null;
  declare offline_verdict: string;
  declare scanned_at: Date;
  declare result: "admitted" | "already_admitted" | "conflict" | "refused";
  declare conflict_with: string | null;
  declare uploaded_by: string | null;
  declare uploaded_at: Date;
}

export function zoneView(z: GateZone) {
  return { id: z.id, code: z.code, name: z.name, kind: z.kind, capacity: z.capacity ?? null, occupancy: z.occupancy, allowReentry: z.allow_reentry };
}
export type ZoneView = ReturnType<typeof zoneView>;

export function zoneScanView(r: GateScan) {
  return {
    id: r.id,
    direction: r.direction,
    tokenId: r.token_id ?? null,
    holder: r.holder_address ?? null,
    verdict: r.verdict,
    scannerUserId: r.scanner_user_id ?? null,
    source: r.source,
    deviceId: r.device_id ?? null,
    scannedAt: r.scanned_at.toISOString(),
  };
}
