import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { linkOf } from "./offline.js";
import type { ScannerAccess } from "./scanners.js";
import type { EventContractAccess } from "./zones.js";

/**
 * Scanner devices of an event (gate_devices): each device reports its state (online or working
 * from its offline snapshot, scans queued for upload, the snapshot's age) while it has a
 * network, so a device the organizer has not heard from for STALE_AFTER_SECONDS is offline as
 * far as anyone can tell. Reports are telemetry that a device overwrites every half minute:
 * they write no audit row (the scans they describe have theirs in gate_scans and
 * gate_offline_scans), and a report never admits anyone.
 */
export const STALE_AFTER_SECONDS = 90;

export interface DeviceReport {
  mode: "online" | "offline";
  queuedScans: number;
  zoneId?: string;
  snapshotIssuedAt?: string;
}

interface DeviceRow {
  device_id: string;
  zone_id: string | null;
  zone_name: string | null;
  mode: "online" | "offline";
  queued_scans: number;
  snapshot_issued_at: Date | null;
  last_seen_at: Date;
  uploaded_scans: number;
  last_upload_at: Date | null;
  stale: boolean;
}

export class GateDevices {
  constructor(
    private readonly db: Knex,
    private readonly scanners: ScannerAccess,
    private readonly eventContracts: EventContractAccess,
  ) {}

  /** A scanner's report about its device (an assigned scanner of the event's festival). */
  async report(principal: Principal, eventContractId: string, deviceId: string, report: DeviceReport) {
    const link = await linkOf(this.db, eventContractId);
    if (!link) throw new HttpError(404, "event_contract_not_found", `event contract ${eventContractId} not found`);
    await this.scanners.assert(principal, link.festival_id);
    if (report.zoneId && !(await this.db("gate_zones").where({ id: report.zoneId, event_contract_id: eventContractId }).first("id"))) {
      throw new HttpError(400, "invalid_input", "unknown zone", [{ field: "body.zoneId", message: `zone ${report.zoneId} is not a zone of this event` }]);
    }
    const row = {
      mode: report.mode,
      queued_scans: report.queuedScans,
      zone_id: report.zoneId ?? null,
      snapshot_issued_at: report.snapshotIssuedAt ?? null,
      scanner_user_id: principal.userId,
      last_seen_at: this.db.fn.now(),
      updated_at: this.db.fn.now(),
    };
    await this.db("gate_devices")
      .insert({ id: newId(), event_contract_id: eventContractId, device_id: deviceId, ...row })
      .onConflict(["event_contract_id", "device_id"])
      .merge(row);
    return { deviceId, staleAfterSeconds: STALE_AFTER_SECONDS };
  }

  /**
   * The event's devices, offline ones first (the organizer's dashboard): a device is offline
   * when it said so, has scans waiting, or has not reported for STALE_AFTER_SECONDS.
   */
  async list(principal: Principal, eventContractId: string) {
    await this.eventContracts.load(principal, eventContractId, { level: "viewer" });
    const { rows } = await this.db.raw<{ rows: DeviceRow[] }>(
      `select d.device_id, d.zone_id, z.name as zone_name, d.mode, d.queued_scans,
              d.snapshot_issued_at, d.last_seen_at,
              (select count(*)::int from gate_offline_scans o where o.event_contract_id = d.event_contract_id and o.device_id = d.device_id) as uploaded_scans,
              (select max(o.uploaded_at) from gate_offline_scans o where o.event_contract_id = d.event_contract_id and o.device_id = d.device_id) as last_upload_at,
              d.last_seen_at < now() - make_interval(secs => ?) as stale
         from gate_devices d
         left join gate_zones z on z.id = d.zone_id
        where d.event_contract_id = ?
        order by d.last_seen_at asc
        limit 200`,
      [STALE_AFTER_SECONDS, eventContractId],
    );
    const items = rows.map((r) => {
      const offline = r.stale || r.mode === "offline" || r.queued_scans > 0;
      return {
        deviceId: r.device_id,
        zoneId: r.zone_id,
        zoneName: r.zone_name,
        mode: r.mode,
        offline,
        stale: r.stale,
        queuedScans: r.queued_scans,
        uploadedScans: r.uploaded_scans,
        snapshotIssuedAt: r.snapshot_issued_at?.toISOString() ?? null,
        lastSeenAt: r.last_seen_at.toISOString(),
        lastUploadAt: r.last_upload_at?.toISOString() ?? null,
      };
    });
    items.sort((a, b) => Number(b.offline) - Number(a.offline));
    return { items, staleAfterSeconds: STALE_AFTER_SECONDS };
  }
}
