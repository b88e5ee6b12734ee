import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError, notFound } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import { recordAudit } from "../audit/service.js";
import { currentConsents, recordConsent } from "./consent.js";
import { startErasure, type ErasureDeps } from "./erasure.js";

export const REQUEST_TYPES = ["DATA_ACCESS", "DATA_PORTABILITY", "DATA_RECTIFICATION", "DATA_DELETION", "CONSENT_WITHDRAWAL"] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export const REQUEST_STATUSES = ["PENDING", "IN_PROGRESS", "COMPLETED", "REJECTED"] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** GDPR Art. 12(3): answered within one month. */
const DUE_DAYS = 30;

export interface RequestRow {
  id: string;
  user_id: string | null;
  type: RequestType;
  status: RequestStatus;
  details: Record<string, unknown> | null;
  due_at: Date;
  resolution: string | null;
  handled_by: string | null;
  completed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function requestDto(r: RequestRow, runId?: string | null) {
  return {
    id: r.id,
    userId: r.user_id,
    type: r.type,
    status: r.status,
    details: r.details,
    dueAt: r.due_at.toISOString(),
    overdue: !r.completed_at && r.due_at.getTime() < Date.now(),
    resolution: r.resolution,
    handledBy: r.handled_by,
    completedAt: r.completed_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
    erasureRunId: runId ?? null,
  };
}

/**
 * A data subject's request. What the platform can do at once, it does in the same transaction:
 * CONSENT_WITHDRAWAL withdraws every purpose but ESSENTIAL (COMPLETED); DATA_DELETION starts
 * the erasure job (IN_PROGRESS until the run completes). DATA_ACCESS and DATA_PORTABILITY are
 * answered by the export (downloading it completes them); DATA_RECTIFICATION waits for staff.
 */
export async function createRequest(
  deps: ErasureDeps,
  principal: Principal,
  ctx: AuditContext,
  body: { type: RequestType; details?: Record<string, unknown> | undefined },
  /** Staff record a request received another way (post, mail) for this user. */
  onBehalfOf?: string,
) {
  const userId = onBehalfOf ?? principal.userId!;
  return deps.db.transaction(async (trx) => {
    if (onBehalfOf && !(await trx("user_accounts").where("id", onBehalfOf).whereNull("deleted_at").first("id"))) throw notFound("user", onBehalfOf);
    if (body.type === "DATA_DELETION") {
      const open = await trx("personal_data_requests")
        .where({ user_id: userId, type: "DATA_DELETION" })
        .whereIn("status", ["PENDING", "IN_PROGRESS"])
        .first("id");
      if (open) throw new HttpError(409, "deletion_already_requested", "a deletion request of yours is already being handled");
    }
    const id = newId();
    const [row] = (await trx("personal_data_requests")
      .insert({
        id,
        user_id: userId,
        type: body.type,
        details: body.details ? JSON.stringify(body.details) : null,
        due_at: new Date(Date.now() + DUE_DAYS * 86_400_000),
        created_by: principal.userId,
        updated_by: principal.userId,
      })
      .returning("*")) as RequestRow[];
    await recordAudit(trx, ctx, { action: "personal_data_request.created", entityType: "personal_data_request", entityId: id, after: { type: body.type } });
    let runId: string | null = null;
    let out = row!;
    if (body.type === "CONSENT_WITHDRAWAL") {
      const withdrawn: string[] = [];
      for (const c of await currentConsents(trx, userId)) {
        if (c.purpose === "ESSENTIAL" || !c.granted) continue;
        await recordConsent(trx, ctx, userId, { purpose: c.purpose, granted: false, policyVersion: c.policy_version, channel: "request" });
        withdrawn.push(c.purpose);
      }
      out = await complete(trx, ctx, id, "COMPLETED", `withdrawn: ${withdrawn.join(", ") || "nothing was granted"}`, null);
    } else if (body.type === "DATA_DELETION") {
      runId = await startErasure(deps, userId, id, trx);
      const updated = (await trx("personal_data_requests").where("id", id).update({ status: "IN_PROGRESS" }).returning("*")) as RequestRow[];
      out = updated[0]!;
    }
    return requestDto(out!, runId);
  });
}

async function complete(
  trx: Knex.Transaction,
  ctx: AuditContext,
  id: string,
  status: RequestStatus,
  resolution: string | null,
  handledBy: string | null,
): Promise<RequestRow> {
  const before = (await trx("personal_data_requests").where("id", id).first()) as RequestRow;
  const done = status === "COMPLETED" || status === "REJECTED";
  const [row] = (await trx("personal_data_requests")
    .where("id", id)
    .update({ status, resolution, handled_by: handledBy, completed_at: done ? trx.fn.now() : null, updated_by: handledBy ?? before.user_id })
    .returning("*")) as RequestRow[];
  await recordAudit(trx, ctx, {
    action: "personal_data_request.updated",
    entityType: "personal_data_request",
    entityId: id,
    before: { status: before.status },
    after: { status, resolution },
  });
  return row!;
}

/** Records who exported the user's data, and marks their open access and portability requests answered. */
export async function completeExportRequests(db: Knex, ctx: AuditContext, userId: string, counts: Record<string, number>): Promise<void> {
  await db.transaction(async (trx) => {
    await recordAudit(trx, ctx, {
      action: "personal_data.exported",
      entityType: "user",
      entityId: userId,
      after: { tables: Object.keys(counts).length, rows: Object.values(counts).reduce((a, b) => a + b, 0) },
    });
    const open: Array<{ id: string }> = await trx("personal_data_requests")
      .where("user_id", userId)
      .whereIn("type", ["DATA_ACCESS", "DATA_PORTABILITY"])
      .whereIn("status", ["PENDING", "IN_PROGRESS"])
      .select("id");
    const by = ctx.actorUserId === userId ? "the data subject" : "staff, to send to the data subject";
    for (const r of open) await complete(trx, ctx, r.id, "COMPLETED", `export downloaded by ${by}`, ctx.actorUserId === userId ? null : ctx.actorUserId);
  });
}

async function runIds(db: Knex, requestIds: string[]): Promise<Map<string, string>> {
  const rows: Array<{ id: string; request_id: string }> = await db("erasure_runs")
    .whereIn("request_id", requestIds)
    .orderBy("started_at")
    .select("id", "request_id");
  return new Map(rows.map((r) => [r.request_id, r.id]));
}

export async function listMyRequests(db: Knex, principal: Principal, page: PageQuery) {
  const result = await paginate<RequestRow, RequestRow>(
    db("personal_data_requests").where("user_id", principal.userId),
    page,
    { column: "created_at", order: "desc" },
    (r) => r,
  );
  const runs = await runIds(
    db,
    result.items.map((r) => r.id),
  );
  return { items: result.items.map((r) => requestDto(r, runs.get(r.id))), nextCursor: result.nextCursor };
}

/** The staff queue: open requests first due first, or one status. */
export async function requestQueue(db: Knex, page: PageQuery, status: RequestStatus | undefined) {
  const q = db("personal_data_requests");
  if (status) q.where("status", status);
  else q.whereIn("status", ["PENDING", "IN_PROGRESS"]);
  const result = await paginate<RequestRow, RequestRow>(q, page, { column: "due_at", order: "asc" }, (r) => r);
  const runs = await runIds(
    db,
    result.items.map((r) => r.id),
  );
  return { items: result.items.map((r) => requestDto(r, runs.get(r.id))), nextCursor: result.nextCursor };
}

/** Staff move a request on (a rectification done, a request rejected with its reason). */
export async function decideRequest(
  db: Knex,
  principal: Principal,
  ctx: AuditContext,
  id: string,
  body: { status: RequestStatus; resolution?: string | undefined },
) {
  return db.transaction(async (trx) => {
    const row = (await trx("personal_data_requests").where("id", id).forUpdate().first()) as RequestRow | undefined;
    if (!row) throw notFound("personal_data_request", id);
    if (row.status === "COMPLETED" || row.status === "REJECTED") throw new HttpError(409, "request_closed", "this request is already closed");
    if (row.type === "DATA_DELETION" && body.status === "COMPLETED")
      throw new HttpError(422, "erasure_completes_itself", "a deletion request completes when its erasure run does", [
        { field: "status", message: "not COMPLETED for DATA_DELETION" },
      ]);
    if (body.status === "REJECTED" && !body.resolution)
      throw new HttpError(400, "invalid_input", "say why the request is rejected", [{ field: "body.resolution", message: "required when rejecting" }]);
    const out = await complete(trx, ctx, id, body.status, body.resolution ?? null, principal.userId!);
    return requestDto(out, (await runIds(db, [id])).get(id));
  });
}
