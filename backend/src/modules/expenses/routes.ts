import express, { type NextFunction, type Request, type Response } from "express";
import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import { ProblemSchema, type ApiRouter } from "../../http/route.js";
import { auditContext } from "../../http/audit-context.js";
import { parseInput } from "../../http/validate.js";
import { z } from "../../http/zod.js";
import * as s from "./schemas.js";
import { MAX_RECEIPT_BYTES, RECEIPT_TYPES, receiptTooLarge, type ExpenseService } from "./service.js";

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

/** The body as bytes, refused before reading when it announces more than 50 MB. */
function receiptBody(req: Request, res: Response, next: NextFunction): void {
  if (Number(req.get("content-length") ?? 0) > MAX_RECEIPT_BYTES) return next(receiptTooLarge());
  express.raw({ type: () => true, limit: MAX_RECEIPT_BYTES })(req, res, (error?: unknown) => {
    if ((error as { type?: string } | undefined)?.type === "entity.too.large") return next(receiptTooLarge());
    next(error);
  });
}

export function expenseRoutes(api: ApiRouter, expenses: ExpenseService): void {
  const tags = ["expenses"];
  const base = "/api/v1/companies/{companyId}";
  api.route({
    method: "post",
    path: `${base}/expenses`,
    tags,
    summary: "Record an expense (an artist on the roster; a draft until submitted)",
    description: "The date is within the last 90 days in the company's time zone; the amount is converted to the base currency at `exchangeRate`.",
    access: requireAuth,
    params: s.CompanyParams,
    body: s.CreateExpenseBody,
    response: s.Expense,
    handler: ({ principal, audit, params, body }) => expenses.create(principal, audit, params.companyId, body),
  });
  api.route({
    method: "get",
    path: `${base}/expenses`,
    tags,
    summary: "Expenses: your own (artists), or everyone's (reviewers)",
    access: requireAuth,
    params: s.CompanyParams,
    query: s.ExpenseListQuery,
    response: pageOf(s.Expense),
    handler: ({ principal, params, query }) => expenses.list(principal, params.companyId, query),
  });
  api.route({
    method: "get",
    path: `${base}/approval-queue`,
    tags,
    summary: "Expenses waiting for your approval, oldest first",
    access: requireAuth,
    params: s.CompanyParams,
    query: PageQuery,
    response: pageOf(s.Expense),
    handler: ({ principal, params, query }) => expenses.approvalQueue(principal, params.companyId, query),
  });
  api.route({
    method: "get",
    path: `${base}/expenses/{expenseId}`,
    tags,
    summary: "One expense with its approvals and receipts",
    access: requireAuth,
    params: s.ExpenseParams,
    response: s.Expense,
    handler: ({ principal, params }) => expenses.get(principal, params.companyId, params.expenseId),
  });
  for (const [action, summary] of [
    ["submit", "Submit a draft (with at least one receipt); up to the automatic limit it is approved at once"],
    ["review", "Take a submitted expense into review"],
  ] as const) {
    api.route({
      method: "post",
      path: `${base}/expenses/{expenseId}/${action}`,
      tags,
      summary,
      access: requireAuth,
      params: s.ExpenseParams,
      response: s.Expense,
      status: 200,
      handler: ({ principal, audit, params }) =>
        action === "submit"
          ? expenses.submit(principal, audit, params.companyId, params.expenseId)
          : expenses.startReview(principal, audit, params.companyId, params.expenseId),
    });
  }
  api.route({
    method: "post",
    path: `${base}/expenses/{expenseId}/approve`,
    tags,
    summary: "Approve one level (never your own expense; the final level within your approval limit)",
    access: requireAuth,
    params: s.ExpenseParams,
    body: s.DecisionBody,
    response: s.Expense,
    status: 200,
    handler: ({ principal, audit, params, body }) => expenses.approve(principal, audit, params.companyId, params.expenseId, body.comment),
  });
  api.route({
    method: "post",
    path: `${base}/expenses/{expenseId}/reject`,
    tags,
    summary: "Reject an expense with a reason",
    access: requireAuth,
    params: s.ExpenseParams,
    body: s.RejectBody,
    response: s.Expense,
    status: 200,
    handler: ({ principal, audit, params, body }) => expenses.reject(principal, audit, params.companyId, params.expenseId, body.reason),
  });

  // receipts are bytes, not JSON: plain routes, documented by hand
  api.router.post("/api/v1/companies/:companyId/expenses/:expenseId/receipts", requireAuth, receiptBody, async (req, res) => {
    const params = parseInput(s.ExpenseParams, req.params, "params");
    const contentType = (req.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const fileName = typeof req.query.fileName === "string" ? req.query.fileName.slice(0, 200) : null;
    const receipt = await expenses.addReceipt(req.principal!, auditContext(req), params.companyId, params.expenseId, { contentType, bytes, fileName });
    res.status(201).json(s.Receipt.parse(receipt));
  });
  api.registry.registerPath({
    method: "post",
    path: `${base}/expenses/{expenseId}/receipts`,
    tags,
    summary: "Attach a receipt to a draft: the raw file as the body, its type in Content-Type",
    description: `JPEG, PNG or PDF up to 50 MB, checked by content (the bytes must be what Content-Type says). Stored under its SHA-256. Access: ${requireAuth.describe}.`,
    security: [{ bearer: [] }],
    request: {
      params: s.ExpenseParams,
      query: z.object({ fileName: z.string().max(200).optional() }),
      body: { required: true, content: Object.fromEntries(RECEIPT_TYPES.map((t) => [t, { schema: { type: "string", format: "binary" } }])) },
    },
    responses: {
      201: { description: "stored", content: { "application/json": { schema: s.Receipt } } },
      404: problem("no such expense, or not yours"),
      409: problem("the expense is no longer a draft"),
      413: problem("receipt_too_large"),
      415: problem("unsupported_receipt_type or receipt_content_mismatch"),
    },
  });
  api.router.get("/api/v1/companies/:companyId/expenses/:expenseId/receipts/:receiptId", requireAuth, async (req, res) => {
    const params = parseInput(s.ReceiptParams, req.params, "params");
    const file = await expenses.receiptFile(req.principal!, params.companyId, params.expenseId, params.receiptId);
    res.setHeader("Cache-Control", "private, no-store");
    res.status(200).type(file.contentType).send(file.bytes);
  });
  api.registry.registerPath({
    method: "get",
    path: `${base}/expenses/{expenseId}/receipts/{receiptId}`,
    tags,
    summary: "Download a receipt (checked against its SHA-256)",
    description: `Access: ${requireAuth.describe}.`,
    security: [{ bearer: [] }],
    request: { params: s.ReceiptParams },
    responses: { 200: { description: "the file" }, 404: problem("no such receipt, or not yours") },
  });

  api.route({
    method: "post",
    path: `${base}/payment-batches`,
    tags,
    summary: "Put approved expenses into a payment batch (finance); they become processing",
    access: requireAuth,
    params: s.CompanyParams,
    body: s.CreateBatchBody,
    response: s.PaymentBatch,
    idempotent: true,
    handler: ({ principal, audit, params, body }) => expenses.createBatch(principal, audit, params.companyId, body.expenseIds),
  });
  api.route({
    method: "get",
    path: `${base}/payment-batches/{batchId}`,
    tags,
    summary: "A payment batch",
    access: requireAuth,
    params: s.BatchParams,
    response: s.PaymentBatch,
    handler: ({ principal, params }) => expenses.getBatch(principal, params.companyId, params.batchId),
  });
  api.route({
    method: "post",
    path: `${base}/payment-batches/{batchId}/paid`,
    tags,
    summary: "The bank executed the batch: its expenses are paid",
    access: requireAuth,
    params: s.BatchParams,
    response: s.PaymentBatch,
    status: 200,
    idempotent: true,
    handler: ({ principal, audit, params }) => expenses.markBatchPaid(principal, audit, params.companyId, params.batchId),
  });
  for (const [format, file, type] of [
    ["xero", "xero.csv", "text/csv"],
    ["sepa", "sepa.xml", "application/xml"],
  ] as const) {
    api.router.get(`/api/v1/companies/:companyId/payment-batches/:batchId/${file}`, requireAuth, async (req, res) => {
      const params = parseInput(s.BatchParams, req.params, "params");
      const out = await expenses.exportBatch(req.principal!, params.companyId, params.batchId, format);
      res.setHeader("Cache-Control", "private, no-store");
      res.setHeader("Content-Disposition", `attachment; filename="${out.fileName}"`);
      res.status(200).type(out.contentType).send(out.body);
    });
    api.registry.registerPath({
      method: "get",
      path: `${base}/payment-batches/{batchId}/${file}`,
      tags,
      summary: format === "xero" ? "The batch as a Xero bank-statement CSV" : "The batch as a SEPA credit transfer (pain.001.001.03)",
      description: `Finance roles. Access: ${requireAuth.describe}.`,
      security: [{ bearer: [] }],
      request: { params: s.BatchParams },
      responses: {
        200: { description: "the file", content: { [type]: { schema: { type: "string" } } } },
        404: problem("no such batch"),
        422: problem("not exportable"),
      },
    });
  }
}
