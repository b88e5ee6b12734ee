import { z } from "../../http/zod.js";
import { Address, Amount } from "../../http/chain-schemas.js";
import { VERDICTS } from "./verdicts.js";

export const ScanBody = z
  .strictObject({
    /** The QR payload ("FP1.…"). */
    payload: z.string().min(1).max(1000),
    zoneId: z.uuid(),
    direction: z.enum(["in", "out"]).default("in"),
    deviceId: z.string().min(1).max(100).optional(),
  })
  .openapi("GateScanRequest");

export const ScanResult = z
  .object({
    verdict: z.enum(VERDICTS as [string, ...string[]]),
    admitted: z.boolean(),
    message: z.string(),
    ownership: z.enum(["mirror", "chain", "mirror_stale"]).nullable(),
    zone: z.object({ id: z.uuid(), code: z.string(), name: z.string(), occupancy: z.number().int().nullable(), capacity: z.number().int().nullable() }),
    ticket: z
      .object({
        contract: z.string(),
        tokenId: z.string(),
        tierId: z.number().int(),
        category: z.string().nullable(),
        holder: z.string(),
        holderDisplayName: z.string().nullable(),
      })
      .nullable(),
    scannedAt: z.string(),
  })
  .openapi("GateScanVerdict");

export const IssuePassBody = z
  .strictObject({
    contract: Address,
    tokenId: Amount,
    /** Seconds the pass stays valid (1..60, default 30). */
    validitySeconds: z.number().int().min(1).max(60).optional(),
  })
  .openapi("IssuePassRequest");

export const IssuedPass = z
  .object({
    payload: z.string(),
    signer: z.enum(["platform", "holder"]),
    holder: z.string(),
    contract: z.string(),
    tokenId: z.string(),
    validUntil: z.number().int(),
    nonce: z.string(),
    /** The QR code as SVG markup; PNG at GET /api/v1/gate/qr?payload=…&format=png. */
    qrSvg: z.string(),
  })
  .openapi("GatePass");

export const ZoneBody = z.strictObject({
  code: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    .max(40),
  name: z.string().min(1).max(120),
  kind: z.enum(["entrance", "area"]).default("area"),
  capacity: z.number().int().positive().max(10_000_000).nullable().optional(),
  allowReentry: z.boolean().optional(),
});

export const ZonePatch = z.strictObject({
  name: z.string().min(1).max(120).optional(),
  capacity: z.number().int().positive().max(10_000_000).nullable().optional(),
  allowReentry: z.boolean().optional(),
});

export const ZoneScan = z.object({
  id: z.uuid(),
  direction: z.enum(["in", "out"]),
  tokenId: z.string().nullable(),
  holder: z.string().nullable(),
  verdict: z.string(),
  scannerUserId: z.string().nullable(),
  source: z.enum(["online", "offline"]),
  deviceId: z.string().nullable(),
  scannedAt: z.string(),
});

export const SignedSnapshot = z
  .object({ algorithm: z.literal("Ed25519"), publicKey: z.string(), data: z.string(), signature: z.string() })
  .openapi("GateOfflineSnapshot");

export const OfflineUploadBody = z
  .strictObject({
    deviceId: z.string().min(1).max(100),
    scans: z
      .array(
        z.strictObject({
          nonce: z.string().min(1).max(100),
          zoneId: z.uuid(),
          payload: z.string().min(1).max(1000),
          scannedAt: z.iso.datetime({ offset: true }),
          /** What the device decided offline (verifyPassOffline's verdict). */
          verdict: z.string().min(1).max(40),
        }),
      )
      .min(1)
      .max(1000),
  })
  .openapi("GateOfflineUpload");

const OfflineResult = z.object({
  nonce: z.string(),
  tokenId: z.string().nullable(),
  result: z.enum(["admitted", "already_admitted", "conflict", "refused"]),
  conflictWith: z.string().nullable(),
  replayed: z.boolean(),
});

export const OfflineUploadResult = z.object({ results: z.array(OfflineResult), conflicts: z.array(OfflineResult) }).openapi("GateOfflineUploadResult");

export const AssignScannerBody = z.strictObject({ userId: z.uuid() });
export const Scanner = z.object({ userId: z.string(), displayName: z.string().nullable(), email: z.string().nullable(), assignedAt: z.string() });

export const Zone = z
  .object({
    id: z.uuid(),
    code: z.string(),
    name: z.string(),
    kind: z.enum(["entrance", "area"]),
    capacity: z.number().int().nullable(),
    occupancy: z.number().int(),
    allowReentry: z.boolean(),
  })
  .openapi("GateZone");

export const ScannerAssignments = z
  .object({
    items: z.array(
      z.object({
        festivalId: z.uuid(),
        name: z.string(),
        events: z.array(
          z.object({
            eventContractId: z.uuid(),
            name: z.string(),
            zones: z.array(z.object({ id: z.uuid(), code: z.string(), name: z.string(), kind: z.enum(["entrance", "area"]) })),
          }),
        ),
      }),
    ),
  })
  .openapi("GateScannerAssignments");

export const DeviceReportBody = z
  .strictObject({
    mode: z.enum(["online", "offline"]).describe("online: scanning through the API; offline: deciding from the signed snapshot"),
    queuedScans: z.number().int().min(0).max(100_000).describe("offline scans waiting for upload on the device"),
    zoneId: z.uuid().optional(),
    snapshotIssuedAt: z.iso.datetime({ offset: true }).optional().describe("issuedAt of the snapshot the device holds"),
  })
  .openapi("GateDeviceReport");

export const GateDevices = z
  .object({
    items: z.array(
      z.object({
        deviceId: z.string(),
        zoneId: z.string().nullable(),
        zoneName: z.string().nullable(),
        mode: z.enum(["online", "offline"]),
        offline: z.boolean().describe("said offline, has queued scans, or silent for staleAfterSeconds"),
        stale: z.boolean(),
        queuedScans: z.number(),
        uploadedScans: z.number(),
        snapshotIssuedAt: z.string().nullable(),
        lastSeenAt: z.string(),
        lastUploadAt: z.string().nullable(),
      }),
    ),
    staleAfterSeconds: z.number(),
  })
  .openapi("GateDevices");
