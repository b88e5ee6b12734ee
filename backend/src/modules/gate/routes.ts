import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth, requirePermission } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { decodePass, PassFormatError } from "./pass.js";
import { renderPassQr } from "./passes.js";
import * as s from "./schemas.js";
import type { Gate } from "./service.js";

export function gateRoutes(api: ApiRouter, deps: RouteDeps & { gate: Gate }): void {
  const { gate } = deps;
  const tags = ["gate"];
  const EventContractParams = z.object({ eventContractId: z.uuid() });

  api.route({
    method: "post",
    path: "/api/v1/gate/scan",
    tags,
    summary: "Scan a pass at a zone: the verdict and what the steward needs",
    description:
      "Checks, in order: signature, expiry, event and zone, current holder (mirror; the chain when the indexer lags), refund/cancellation, " +
      "not entered already. The verdict is one fixed reason code (see GateScanVerdict). A refusal is a 200 with admitted=false. " +
      "Caller: a staff user with the security role assigned to the festival.",
    access: requirePermission("tickets.scan"),
    body: s.ScanBody,
    response: s.ScanResult,
    status: 200,
    handler: ({ principal, body }) => gate.scan.scan(principal, body),
  });

  api.route({
    method: "post",
    path: "/api/v1/gate/passes",
    tags,
    summary: "A pass for one of your tickets, signed by the platform (valid <= 60 s)",
    access: requireAuth,
    body: s.IssuePassBody,
    response: s.IssuedPass,
    handler: ({ principal, body }) => gate.passes.issue(principal, body),
  });

  // The QR image itself (PNG or SVG), for <img src>; not JSON, so a plain route documented by hand.
  api.registry.registerPath({
    method: "get",
    path: "/api/v1/gate/qr",
    tags,
    summary: "Render a pass payload as a QR code (PNG or SVG)",
    request: { query: z.object({ payload: z.string(), format: z.enum(["png", "svg"]).default("png") }) },
    responses: { 200: { description: "the QR code", content: { "image/png": { schema: z.string() }, "image/svg+xml": { schema: z.string() } } } },
  });
  api.router.get("/api/v1/gate/qr", async (req, res, next) => {
    try {
      const payload = typeof req.query.payload === "string" ? req.query.payload : "";
      const format = req.query.format === "svg" ? "svg" : "png";
      try {
        decodePass(payload);
      } catch (error) {
        if (error instanceof PassFormatError) {
          throw new HttpError(400, "invalid_input", "payload is not a festival pass", [{ field: "query.payload", message: error.message }]);
        }
        throw error;
      }
      const image = await renderPassQr(payload, format);
      res.setHeader("cache-control", "no-store");
      res.type(format === "svg" ? "image/svg+xml" : "image/png").send(image);
    } catch (error) {
      next(error);
    }
  });

  // zones
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/zones",
    tags,
    summary: "Zones of an event, with live occupancy",
    access: requireAuth,
    params: EventContractParams,
    query: PageQuery,
    response: pageOf(s.Zone),
    handler: ({ principal, params, query }) => gate.zones.list(principal, params.eventContractId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/zones",
    tags,
    summary: "Add a zone",
    access: requireAuth,
    params: EventContractParams,
    body: s.ZoneBody,
    response: s.Zone,
    handler: ({ principal, audit, params, body }) => gate.zones.create(principal, audit, params.eventContractId, body),
  });
  api.route({
    method: "patch",
    path: "/api/v1/gate/zones/{zoneId}",
    tags,
    summary: "Change a zone (name, capacity, re-entry)",
    access: requireAuth,
    params: z.object({ zoneId: z.uuid() }),
    body: s.ZonePatch,
    response: s.Zone,
    handler: ({ principal, audit, params, body }) => gate.zones.update(principal, audit, params.zoneId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/gate/zones/{zoneId}/scans",
    tags,
    summary: "The zone access log: every scan, newest first",
    access: requireAuth,
    params: z.object({ zoneId: z.uuid() }),
    query: PageQuery,
    response: pageOf(s.ZoneScan),
    handler: ({ principal, params, query }) => gate.zones.log(principal, params.zoneId, query),
  });

  // scanner accounts
  api.route({
    method: "get",
    path: "/api/v1/me/gate/assignments",
    tags,
    summary: "Where you scan: your festivals as a scanner, their linked events and zones",
    access: requirePermission("tickets.scan"),
    response: s.ScannerAssignments,
    handler: ({ principal }) => gate.scanners.assignments(principal),
  });

  const FestivalParams = z.object({ festivalId: z.uuid() });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/gate/scanners",
    tags,
    summary: "Scanner accounts of a festival",
    access: requireAuth,
    params: FestivalParams,
    query: PageQuery,
    response: pageOf(s.Scanner),
    handler: ({ principal, params, query }) => gate.scanners.list(principal, params.festivalId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/gate/scanners",
    tags,
    summary: "Make a security staff user a scanner of this festival",
    access: requireAuth,
    params: FestivalParams,
    body: s.AssignScannerBody,
    response: z.object({ userId: z.string(), festivalId: z.string() }),
    handler: ({ principal, audit, params, body }) => gate.scanners.assign(principal, audit, params.festivalId, body.userId),
  });
  api.route({
    method: "delete",
    path: "/api/v1/festivals/{festivalId}/gate/scanners/{userId}",
    tags,
    summary: "Revoke a scanner",
    access: requireAuth,
    params: z.object({ festivalId: z.uuid(), userId: z.uuid() }),
    handler: ({ principal, audit, params }) => gate.scanners.revoke(principal, audit, params.festivalId, params.userId),
  });

  // offline mode
  api.route({
    method: "get",
    path: "/api/v1/gate/event-contracts/{eventContractId}/snapshot",
    tags,
    summary: "Signed offline snapshot of an event (holders, tiers, zones, check-in state, keys)",
    access: requirePermission("tickets.scan"),
    params: EventContractParams,
    response: s.SignedSnapshot,
    handler: ({ principal, params }) => gate.offline.snapshot(principal, params.eventContractId),
  });
  api.route({
    method: "post",
    path: "/api/v1/gate/event-contracts/{eventContractId}/offline-scans",
    tags,
    summary: "Upload an offline gate's scans (idempotent per device nonce); conflicts are reported",
    access: requirePermission("tickets.scan"),
    params: EventContractParams,
    body: s.OfflineUploadBody,
    response: s.OfflineUploadResult,
    status: 200,
    idempotent: true,
    handler: ({ principal, audit, params, body }) => gate.offline.upload(principal, audit, params.eventContractId, body.deviceId, body.scans),
  });

  // scanner devices: their reports, and the organizer's view of which are offline
  const DeviceParams = z.object({ eventContractId: z.uuid(), deviceId: z.string().min(1).max(100) });
  api.route({
    method: "put",
    path: "/api/v1/gate/event-contracts/{eventContractId}/devices/{deviceId}",
    tags,
    summary: "A scanner device reports its state (mode, queued scans, snapshot), every half minute while it has a network",
    access: requirePermission("tickets.scan"),
    params: DeviceParams,
    body: s.DeviceReportBody,
    response: z.object({ deviceId: z.string(), staleAfterSeconds: z.number() }),
    handler: ({ principal, params, body }) => gate.devices.report(principal, params.eventContractId, params.deviceId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/gate/devices",
    tags,
    summary: "Scanner devices of an event, offline ones first (silent, offline mode, or with scans queued)",
    access: requireAuth,
    params: EventContractParams,
    response: s.GateDevices,
    handler: ({ principal, params }) => gate.devices.list(principal, params.eventContractId),
  });
}
