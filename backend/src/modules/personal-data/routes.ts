import type { Request, Response } from "express";
import { requireAuth, requireRole } from "../../http/auth.js";
import { parseInput } from "../../http/validate.js";
import { auditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { HttpError, notFound } from "../../http/errors.js";
import { PageQuery, pageOf, paginate } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import { consentDto, currentConsents, PURPOSES, recordConsent, type ConsentRecordRow } from "./consent.js";
import { erasureReport, type ErasureDeps } from "./erasure.js";
import { collectExport, exportArchive } from "./export.js";
import { sendMarketingMail } from "./marketing.js";
import { lastRetentionRuns, queueRetention } from "./retention.js";
import { completeExportRequests, createRequest, decideRequest, listMyRequests, requestQueue } from "./requests.js";
import {
  ConsentRecord,
  ConsentState,
  CreateRequestBody,
  DecideRequestBody,
  ErasureReport,
  GiveConsentBody,
  MarketingMailBody,
  MarketingMailResult,
  PersonalDataRequest,
  PurposeParams,
  QueueQuery,
  RequestParams,
  RetentionRun,
  UserParams,
  WithdrawConsentBody,
} from "./schemas.js";

const tags = ["personal-data"];

interface StepRow {
  module: string;
  table_name: string;
  action: string;
  rows_affected: number;
  rows_scrubbed: number;
  reason: string | null;
  retention: string | null;
  done_at: Date;
}

interface RetentionRow {
  policy: string;
  module: string;
  cutoff: Date;
  removed: number;
  kept: number;
  note: string | null;
  ran_at: Date;
}

export type PersonalDataRouteDeps = RouteDeps & { personalData: ErasureDeps };

async function consentState(deps: RouteDeps, userId: string) {
  const current = new Map((await currentConsents(deps.db, userId)).map((r) => [r.purpose, r]));
  return {
    purposes: PURPOSES.map((purpose) => {
      const r = current.get(purpose);
      return {
        purpose,
        granted: purpose === "ESSENTIAL" ? true : (r?.granted ?? false),
        policyVersion: r?.policy_version ?? null,
        at: r?.created_at.toISOString() ?? null,
        channel: r?.channel ?? null,
      };
    }),
  };
}

export function personalDataRoutes(api: ApiRouter, deps: PersonalDataRouteDeps): void {
  const { db, personalData } = deps;

  // consent: giving and withdrawing are one call each, the history is the proof
  api.route({
    method: "get",
    path: "/api/v1/me/consents",
    summary: "My consent per purpose (latest answer; never answered = not granted)",
    tags,
    access: requireAuth,
    response: ConsentState,
    handler: ({ principal }) => consentState(deps, principal.userId!),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/consents",
    summary: "Give (or withdraw) consent for a purpose under a policy text version",
    tags,
    description: "Recorded with the time, channel, IP and user agent; the history keeps every answer.",
    access: requireAuth,
    body: GiveConsentBody,
    response: ConsentRecord,
    handler: async ({ principal, audit, body }) => consentDto(await recordConsent(db, audit, principal.userId!, body)),
  });
  api.route({
    method: "delete",
    path: "/api/v1/me/consents/{purpose}",
    summary: "Withdraw consent for a purpose",
    tags,
    description: "As easy as giving it: one call, under the policy version last answered. ESSENTIAL cannot be withdrawn (422).",
    access: requireAuth,
    params: PurposeParams,
    body: WithdrawConsentBody,
    response: ConsentRecord,
    status: 200,
    handler: async ({ principal, audit, params, body }) => {
      if (params.purpose === "ESSENTIAL") {
        throw new HttpError(422, "essential_not_withdrawable", "essential processing is needed to run your account: delete the account instead", [
          { field: "params.purpose", message: "ESSENTIAL cannot be withdrawn" },
        ]);
      }
      const last = (await currentConsents(db, principal.userId!)).find((r) => r.purpose === params.purpose);
      return consentDto(
        await recordConsent(db, audit, principal.userId!, {
          purpose: params.purpose,
          granted: false,
          policyVersion: last?.policy_version ?? "none",
          channel: body?.channel ?? "web",
        }),
      );
    },
  });
  api.route({
    method: "get",
    path: "/api/v1/me/consents/history",
    summary: "Every consent answer I gave, newest first (proof of consent)",
    tags,
    access: requireAuth,
    query: PageQuery,
    response: pageOf(ConsentRecord),
    handler: ({ principal, query }) =>
      paginate<ConsentRecordRow, ReturnType<typeof consentDto>>(
        db("consent_records").where("user_id", principal.userId),
        query,
        { column: "created_at", order: "desc" },
        consentDto,
      ),
  });

  // requests
  api.route({
    method: "post",
    path: "/api/v1/me/personal-data/requests",
    summary: "Make a data subject request (access, portability, rectification, deletion, consent withdrawal)",
    tags,
    description:
      "Due 30 days after it is made. CONSENT_WITHDRAWAL is done at once; DATA_DELETION starts the erasure job (409 while one is open); access and portability are answered by the export; rectification waits for staff.",
    access: requireAuth,
    body: CreateRequestBody,
    response: PersonalDataRequest,
    handler: ({ principal, audit, body }) => createRequest(personalData, principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/personal-data/requests",
    summary: "My data subject requests",
    tags,
    access: requireAuth,
    query: PageQuery,
    response: pageOf(PersonalDataRequest),
    handler: ({ principal, query }) => listMyRequests(db, principal, query),
  });
  // a zip, not JSON: plain routes, documented by hand
  const sendExport = async (req: Request, res: Response, userId: string) => {
    const subject = await personalData.registry.subject(db, personalData.box, userId);
    const data = await collectExport(db, personalData.registry, subject);
    const archive = exportArchive(data);
    await completeExportRequests(db, auditContext(req), userId, data.counts);
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("Content-Disposition", `attachment; filename="personal-data-${userId}.zip"`);
    res.status(200).type("application/zip").send(Buffer.from(archive));
  };
  const zipResponse = { 200: { description: "a zip archive", content: { "application/zip": { schema: { type: "string" as const, format: "binary" } } } } };
  api.router.get("/api/v1/me/personal-data/export", requireAuth, (req, res) => sendExport(req, res, req.principal!.userId!));
  api.registry.registerPath({
    method: "get",
    path: "/api/v1/me/personal-data/export",
    summary: "Everything the platform holds about me: data.json plus one CSV per table, in one zip",
    tags,
    description: `Across all festivals, modules and wallets. Completes my open DATA_ACCESS and DATA_PORTABILITY requests. Access: ${requireAuth.describe}.`,
    security: [{ bearer: [] }],
    responses: zipResponse,
  });

  // staff
  const staff = requireRole("admin");
  api.router.get("/api/v1/personal-data/users/:userId/export", staff, async (req, res) => {
    const { userId } = parseInput(UserParams, req.params, "params");
    if (!(await db("user_accounts").where("id", userId).whereNull("deleted_at").first("id"))) throw notFound("user", userId);
    await sendExport(req, res, userId);
  });
  api.registry.registerPath({
    method: "get",
    path: "/api/v1/personal-data/users/{userId}/export",
    summary: "A user's export, for staff answering a request received another way",
    tags,
    description: `Audited; completes the user's open DATA_ACCESS and DATA_PORTABILITY requests. Access: ${staff.describe}.`,
    security: [{ bearer: [] }],
    request: { params: UserParams },
    responses: zipResponse,
  });
  api.route({
    method: "post",
    path: "/api/v1/personal-data/users/{userId}/requests",
    summary: "Record a request a user made another way (post, mail, at the desk)",
    tags,
    description: "Handled as if the user made it: a DATA_DELETION starts the erasure job.",
    access: staff,
    params: UserParams,
    body: CreateRequestBody,
    response: PersonalDataRequest,
    handler: ({ principal, audit, params, body }) => createRequest(personalData, principal, audit, body, params.userId),
  });
  api.route({
    method: "get",
    path: "/api/v1/personal-data/requests",
    summary: "The request queue (open requests, due first)",
    tags,
    access: staff,
    query: PageQuery.extend(QueueQuery.shape),
    response: pageOf(PersonalDataRequest),
    handler: ({ query }) => requestQueue(db, query, query.status),
  });
  api.route({
    method: "post",
    path: "/api/v1/personal-data/requests/{requestId}/decision",
    summary: "Move a request on: in progress, completed (with what was done) or rejected (with why)",
    tags,
    access: staff,
    params: RequestParams,
    body: DecideRequestBody,
    response: PersonalDataRequest,
    status: 200,
    handler: ({ principal, audit, params, body }) => decideRequest(db, principal, audit, params.requestId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/personal-data/erasures/{requestId}",
    summary: "An erasure run's report: each module's step, what was held and why, the leftover scan",
    tags,
    access: staff,
    params: RequestParams,
    response: ErasureReport,
    handler: async ({ params }) => {
      const run = await db("erasure_runs").where("id", params.requestId).orWhere("request_id", params.requestId).orderBy("started_at", "desc").first("id");
      const report = run ? await erasureReport(db, run.id) : undefined;
      if (!report) throw notFound("erasure_run", params.requestId);
      const r = report.run;
      return {
        run: {
          id: r.id,
          userId: r.user_id,
          requestId: r.request_id,
          status: r.status,
          leftoverPersonalData: r.leftover_count,
          leftover: r.leftover,
          startedAt: r.started_at.toISOString(),
          completedAt: r.completed_at?.toISOString() ?? null,
        },
        steps: report.steps.map((s: StepRow) => ({
          module: s.module,
          table: s.table_name,
          action: s.action,
          rows: s.rows_affected,
          scrubbed: s.rows_scrubbed,
          reason: s.reason,
          retention: s.retention,
          doneAt: s.done_at.toISOString(),
        })),
      };
    },
  });
  api.route({
    method: "get",
    path: "/api/v1/personal-data/retention",
    summary: "The last run of each retention policy and what it removed",
    tags,
    access: staff,
    response: RetentionRun.array(),
    handler: async () =>
      (await lastRetentionRuns(db)).map((r: RetentionRow) => ({
        policy: r.policy,
        module: r.module,
        cutoff: r.cutoff.toISOString(),
        removed: r.removed,
        kept: r.kept,
        note: r.note,
        ranAt: r.ran_at.toISOString(),
      })),
  });
  api.route({
    method: "post",
    path: "/api/v1/personal-data/retention/runs",
    summary: "Queue a retention run now (it also runs daily at 03:00 UTC)",
    tags,
    access: staff,
    status: 202,
    handler: async ({ audit }) => {
      await db.transaction(async (trx) => {
        await queueRetention(trx);
        await recordAudit(trx, audit, { action: "retention_run.queued", entityType: "retention_run", entityId: null });
      });
    },
  });
  api.route({
    method: "post",
    path: "/api/v1/marketing/mails",
    summary: "Mail the newsletter to every account that consented to MARKETING",
    tags,
    access: staff,
    body: MarketingMailBody,
    response: MarketingMailResult,
    handler: ({ audit, body }) => sendMarketingMail(db, audit, body),
  });
}
