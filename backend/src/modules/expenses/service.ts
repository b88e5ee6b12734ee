import { createHash } from "node:crypto";
import { fileTypeFromBuffer } from "file-type";
import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { AuditContext } from "../../http/audit-context.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate } from "../../http/pagination.js";
import type { KeyRing } from "../../security/key-ring.js";
import { artistOfUser, artistPayees, companySettings, type CompanySettings } from "../organizations/company-service.js";
import { auditCompanyChange, FINANCE_ROLES, hasAnyRole, inCompany, sqlDate, type CompanyRole, type CompanyScope } from "../organizations/tenant.js";
import { sepaCreditTransfer, xeroCsv, type BatchHeader, type BatchLine } from "./exports.js";
import { productionDates } from "../productions/service.js";
import type { ReceiptStore } from "./receipt-store.js";
import type { CreateExpenseBody, ExpenseListQuery } from "./schemas.js";

export const MAX_RECEIPT_BYTES = 50 * 1024 * 1024;
export const RECEIPT_TYPES = ["image/jpeg", "image/png", "application/pdf"] as const;
/** An expense older than this (days, in the company's time zone) is refused. */
export const MAX_EXPENSE_AGE_DAYS = 90;
const REVIEWERS: readonly CompanyRole[] = ["admin", "accountant", "system_admin"];
const RATE_SCALE = 100_000_000n;
type ExpenseStatus = "draft" | "submitted" | "in_review" | "approved" | "rejected" | "processing" | "paid";

interface ExpenseRow {
  id: string;
  company_id: string;
  artist_id: string;
  submitter_user_id: string;
  production_id: string | null;
  category: string;
  description: string;
  expense_date: string;
  amount_minor: string;
  currency: string;
  exchange_rate: string;
  base_amount_minor: string;
  base_currency: string;
  status: ExpenseStatus;
  required_approvals: number;
  rejection_reason: string | null;
  submitted_at: Date | null;
  created_at: Date;
}

/** Today's date in a time zone, as YYYY-MM-DD. */
export function todayIn(timezone: string, now = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The 90-day rule, in the company's calendar: not in the future, not older than 90 days. */
export function assertExpenseDate(date: string, timezone: string, field = "body.expenseDate"): void {
  const age = daysBetween(date, todayIn(timezone));
  if (age < 0)
    throw new HttpError(422, "expense_date_in_future", `the expense date ${date} is in the future`, [{ field, message: "must not be in the future" }]);
  if (age > MAX_EXPENSE_AGE_DAYS)
    throw new HttpError(422, "expense_date_too_old", `the expense date ${date} is more than ${MAX_EXPENSE_AGE_DAYS} days ago`, [
      { field, message: `must be within the last ${MAX_EXPENSE_AGE_DAYS} days` },
    ]);
}

/** amount x rate, rounded half up to the base currency's minor unit, in integers only. */
export function toBase(amountMinor: bigint, rate: string): bigint {
  const [whole, fraction = ""] = rate.split(".");
  const scaled = BigInt(whole!) * RATE_SCALE + BigInt(fraction.padEnd(8, "0"));
  return (amountMinor * scaled + RATE_SCALE / 2n) / RATE_SCALE;
}

/** How many approvals an amount needs: none up to the automatic limit, one up to the admin limit, two above. */
export function requiredApprovals(base: bigint, limits: CompanySettings["limits"]): number {
  if (base <= limits.automatic) return 0;
  return base <= limits.admin ? 1 : 2;
}

/** The largest amount a reviewer's roles let them give the final approval for. */
function approvalLimitOf(roles: ReadonlySet<CompanyRole>, limits: CompanySettings["limits"]): bigint | null {
  if (roles.has("system_admin")) return null;
  if (roles.has("accountant")) return limits.finance;
  if (roles.has("admin")) return limits.admin;
  return 0n;
}

function notFound(expenseId: string): HttpError {
  return new HttpError(404, "expense_not_found", `expense ${expenseId} not found`);
}

export class ExpenseService {
  constructor(
    private readonly db: Knex,
    private readonly store: ReceiptStore,
    private readonly ring: KeyRing,
  ) {}

  private async dto(trx: Knex.Transaction, row: ExpenseRow) {
    const [approvals, receipts] = await Promise.all([
      trx("expense_approvals").where({ expense_id: row.id }).orderBy("level"),
      trx("expense_receipts").where({ expense_id: row.id }).orderBy("created_at"),
    ]);
    return {
      ...summaryDto(row),
      approvals: approvals.map((a) => ({
        level: a.level,
        approverUserId: a.approver_user_id,
        approverRole: a.approver_role,
        decision: a.decision as "approved" | "rejected",
        comment: a.comment,
        createdAt: a.created_at.toISOString(),
      })),
      receipts: receipts.map(receiptDto),
    };
  }

  /** An expense the caller may see: their own, or any for reviewers and finance. */
  private async visible(scope: CompanyScope, expenseId: string, lock = false): Promise<ExpenseRow> {
    const query = scope.trx("expenses").where({ id: expenseId }).first();
    const row: ExpenseRow | undefined = await (lock ? query.forUpdate() : query);
    if (!row) throw notFound(expenseId);
    if (row.submitter_user_id !== scope.userId && !hasAnyRole(scope, [...REVIEWERS, "production_manager"])) throw notFound(expenseId);
    return row;
  }

  /** An artist on the roster records an expense of their own (a draft until submitted). */
  create(principal: Principal, ctx: AuditContext, companyId: string, input: z.output<typeof CreateExpenseBody>) {
    return inCompany(this.db, principal, companyId, ["artist"], async ({ trx, userId }) => {
      const artist = await artistOfUser(trx, userId);
      if (!artist) throw new HttpError(403, "not_on_roster", "only an artist on the company's roster records expenses");
      const settings = await companySettings(trx);
      if (!settings.expenseCategories.includes(input.category))
        throw new HttpError(422, "unknown_expense_category", `category ${input.category} is not one of the company's`, [
          { field: "body.category", message: `one of ${settings.expenseCategories.join(", ")}` },
        ]);
      assertExpenseDate(input.expenseDate, settings.timezone);
      const rate = input.exchangeRate ?? (input.currency === settings.defaultCurrency ? "1" : undefined);
      if (!rate)
        throw new HttpError(400, "invalid_input", "an exchange rate to the base currency is required", [
          { field: "body.exchangeRate", message: `required when the currency is not ${settings.defaultCurrency}` },
        ]);
      if (input.currency === settings.defaultCurrency && toBase(1_0000_0000n, rate) !== 1_0000_0000n)
        throw new HttpError(422, "exchange_rate_not_one", "the base currency's rate to itself is 1", [{ field: "body.exchangeRate", message: "must be 1" }]);
      const base = toBase(BigInt(input.amountMinor), rate);
      if (base <= 0n)
        throw new HttpError(422, "amount_rounds_to_zero", "the amount is zero in the base currency", [{ field: "body.amountMinor", message: "too small" }]);
      if (input.productionId && !(await productionDates(trx, input.productionId)))
        throw new HttpError(422, "production_not_found", "no such production", [{ field: "body.productionId", message: "no such production" }]);
      const [row] = await trx("expenses")
        .insert({
          id: newId(),
          company_id: companyId,
          artist_id: artist.id,
          submitter_user_id: userId,
          production_id: input.productionId ?? null,
          category: input.category,
          description: input.description,
          expense_date: input.expenseDate,
          amount_minor: input.amountMinor,
          currency: input.currency,
          exchange_rate: rate,
          base_amount_minor: base.toString(),
          base_currency: settings.defaultCurrency,
          created_by: userId,
          updated_by: userId,
        })
        .returning("*");
      await auditCompanyChange(trx, ctx, { action: "expense.created", entityType: "expense", entityId: row.id, companyId, after: row });
      return this.dto(trx, row);
    });
  }

  get(principal: Principal, companyId: string, expenseId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => this.dto(scope.trx, await this.visible(scope, expenseId)));
  }

  /** The caller's own expenses (the artist's dashboard), or everyone's for reviewers. */
  list(principal: Principal, companyId: string, query: z.output<typeof ExpenseListQuery>) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const q = scope.trx("expenses");
      if (query.mine === "true" || !hasAnyRole(scope, [...REVIEWERS, "production_manager"])) q.where({ submitter_user_id: scope.userId });
      if (query.status) q.where({ status: query.status });
      return paginate(q, query, { column: "created_at", id: "id", order: "desc" }, (r: ExpenseRow) => summaryDto(r));
    });
  }

  /** What waits for a reviewer, oldest first, without the ones they submitted or already approved. */
  approvalQueue(principal: Principal, companyId: string, page: { limit: number; cursor?: string }) {
    return inCompany(this.db, principal, companyId, REVIEWERS, async ({ trx, userId }) => {
      const q = trx("expenses as e")
        .whereIn("e.status", ["submitted", "in_review"])
        .whereNot("e.submitter_user_id", userId)
        .whereNotExists(trx("expense_approvals as a").whereRaw("a.expense_id = e.id").where("a.approver_user_id", userId))
        .select("e.*");
      return paginate(q, page, { column: "e.submitted_at", id: "e.id", order: "asc" }, (r: ExpenseRow) => summaryDto(r));
    });
  }

  /**
   * Stores a receipt: the bytes must be what the declared type says (checked by content) and
   * at most 50 MB; the file is kept under its SHA-256.
   */
  addReceipt(
    principal: Principal,
    ctx: AuditContext,
    companyId: string,
    expenseId: string,
    upload: { contentType: string; bytes: Buffer; fileName: string | null },
  ) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const { trx } = scope;
      const expense = await this.visible(scope, expenseId, true);
      if (expense.submitter_user_id !== scope.userId) throw notFound(expenseId);
      if (expense.status !== "draft") throw new HttpError(409, "expense_not_draft", "receipts are added while the expense is a draft");
      await assertReceipt(upload.contentType, upload.bytes);
      const sha = createHash("sha256").update(upload.bytes).digest();
      const key = `${companyId}/${sha.toString("hex")}`;
      const existing = await trx("expense_receipts").where({ expense_id: expenseId, sha256: sha }).first();
      if (existing) return receiptDto(existing);
      await this.store.put(key, upload.bytes, upload.contentType);
      const [row] = await trx("expense_receipts")
        .insert({
          id: newId(),
          company_id: companyId,
          expense_id: expenseId,
          content_type: upload.contentType,
          byte_size: upload.bytes.length,
          sha256: sha,
          storage_key: key,
          file_name: upload.fileName,
          created_by: scope.userId,
          updated_by: scope.userId,
        })
        .returning("*");
      await auditCompanyChange(trx, ctx, { action: "expense_receipt.added", entityType: "expense_receipt", entityId: row.id, companyId, after: row });
      return receiptDto(row);
    });
  }

  receiptFile(principal: Principal, companyId: string, expenseId: string, receiptId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      await this.visible(scope, expenseId);
      const row = await scope.trx("expense_receipts").where({ id: receiptId, expense_id: expenseId }).first();
      if (!row) throw new HttpError(404, "receipt_not_found", `receipt ${receiptId} not found`);
      const bytes = await this.store.get(row.storage_key);
      if (!createHash("sha256").update(bytes).digest().equals(row.sha256))
        throw new HttpError(500, "receipt_corrupt", "the stored receipt does not match its hash");
      return { contentType: row.content_type as string, bytes };
    });
  }

  /** Draft -> submitted; up to the automatic limit straight to approved. */
  submit(principal: Principal, ctx: AuditContext, companyId: string, expenseId: string) {
    return inCompany(this.db, principal, companyId, "any", async (scope) => {
      const { trx } = scope;
      const before = await this.visible(scope, expenseId, true);
      if (before.submitter_user_id !== scope.userId) throw notFound(expenseId);
      if (before.status !== "draft") throw new HttpError(409, "expense_not_draft", `the expense is ${before.status}, not a draft`);
      const settings = await companySettings(trx);
      assertExpenseDate(sqlDate(before.expense_date), settings.timezone, "expenseDate");
      const receipts = await trx("expense_receipts").where({ expense_id: expenseId }).first("id");
      if (!receipts) throw new HttpError(422, "receipt_required", "an expense is submitted with at least one receipt");
      const required = requiredApprovals(BigInt(before.base_amount_minor), settings.limits);
      const [after] = await trx("expenses")
        .where({ id: expenseId })
        .update({
          status: required === 0 ? "approved" : "submitted",
          required_approvals: required,
          submitted_at: trx.fn.now(),
          decided_at: required === 0 ? trx.fn.now() : null,
          updated_by: scope.userId,
        })
        .returning("*");
      await auditCompanyChange(trx, ctx, {
        action: required === 0 ? "expense.auto_approved" : "expense.submitted",
        entityType: "expense",
        entityId: expenseId,
        companyId,
        before,
        after,
      });
      return this.dto(trx, after);
    });
  }

  private assertReviewable(scope: CompanyScope, row: ExpenseRow) {
    if (!["submitted", "in_review"].includes(row.status)) throw new HttpError(409, "expense_not_awaiting_approval", `the expense is ${row.status}`);
    if (row.submitter_user_id === scope.userId)
      throw new HttpError(403, "self_approval_forbidden", "separation of duties: nobody approves or rejects their own expense");
  }

  /** A reviewer takes the expense: submitted -> in_review. */
  startReview(principal: Principal, ctx: AuditContext, companyId: string, expenseId: string) {
    return inCompany(this.db, principal, companyId, REVIEWERS, async (scope) => {
      const before = await this.visible(scope, expenseId, true);
      this.assertReviewable(scope, before);
      if (before.status === "in_review") return this.dto(scope.trx, before);
      const [after] = await scope.trx("expenses").where({ id: expenseId }).update({ status: "in_review", updated_by: scope.userId }).returning("*");
      await auditCompanyChange(scope.trx, ctx, { action: "expense.review_started", entityType: "expense", entityId: expenseId, companyId, before, after });
      return this.dto(scope.trx, after);
    });
  }

  /**
   * One approval level. The last level needed must come from someone whose limit covers the
   * amount (admin, then finance, then system_admin); nobody approves their own expense or
   * approves twice.
   */
  approve(principal: Principal, ctx: AuditContext, companyId: string, expenseId: string, comment: string | undefined) {
    return inCompany(this.db, principal, companyId, REVIEWERS, async (scope) => {
      const { trx } = scope;
      const before = await this.visible(scope, expenseId, true);
      this.assertReviewable(scope, before);
      const approvals: Array<{ approver_user_id: string }> = await trx("expense_approvals").where({ expense_id: expenseId, decision: "approved" });
      if (approvals.some((a) => a.approver_user_id === scope.userId))
        throw new HttpError(409, "already_approved_by_you", "a second level is approved by someone else");
      const settings = await companySettings(trx);
      const level = approvals.length + 1;
      const final = level >= before.required_approvals;
      const limit = approvalLimitOf(scope.roles, settings.limits);
      const base = BigInt(before.base_amount_minor);
      if (final && limit !== null && base > limit)
        throw new HttpError(422, "approval_limit_exceeded", `the final approval of ${base} (minor units) is above your approval limit of ${limit}`, undefined, {
          approvalLimitMinor: limit.toString(),
          amountMinor: base.toString(),
        });
      const role = (["system_admin", "accountant", "admin"] as const).find((r) => scope.roles.has(r))!;
      await trx("expense_approvals").insert({
        id: newId(),
        company_id: companyId,
        expense_id: expenseId,
        approver_user_id: scope.userId,
        approver_role: role,
        level,
        decision: "approved",
        comment: comment ?? null,
      });
      const [after] = await trx("expenses")
        .where({ id: expenseId })
        .update({ status: final ? "approved" : "in_review", decided_at: final ? trx.fn.now() : null, updated_by: scope.userId })
        .returning("*");
      await auditCompanyChange(trx, ctx, {
        action: final ? "expense.approved" : "expense.level_approved",
        entityType: "expense",
        entityId: expenseId,
        companyId,
        before,
        after,
      });
      return this.dto(trx, after);
    });
  }

  reject(principal: Principal, ctx: AuditContext, companyId: string, expenseId: string, reason: string) {
    return inCompany(this.db, principal, companyId, REVIEWERS, async (scope) => {
      const { trx } = scope;
      const before = await this.visible(scope, expenseId, true);
      this.assertReviewable(scope, before);
      const level = Number((await trx("expense_approvals").where({ expense_id: expenseId }).count<{ n: string }[]>("* as n"))[0]!.n) + 1;
      const role = (["system_admin", "accountant", "admin"] as const).find((r) => scope.roles.has(r))!;
      await trx("expense_approvals").insert({
        id: newId(),
        company_id: companyId,
        expense_id: expenseId,
        approver_user_id: scope.userId,
        approver_role: role,
        level,
        decision: "rejected",
        comment: reason,
      });
      const [after] = await trx("expenses")
        .where({ id: expenseId })
        .update({ status: "rejected", rejection_reason: reason, decided_at: trx.fn.now(), updated_by: scope.userId })
        .returning("*");
      await auditCompanyChange(trx, ctx, { action: "expense.rejected", entityType: "expense", entityId: expenseId, companyId, before, after });
      return this.dto(trx, after);
    });
  }

  /** Approved expenses into one payment batch (finance): they become processing. */
  createBatch(principal: Principal, ctx: AuditContext, companyId: string, expenseIds: string[]) {
    return inCompany(this.db, principal, companyId, FINANCE_ROLES, async ({ trx, userId }) => {
      const ids = [...new Set(expenseIds)];
      const rows: ExpenseRow[] = await trx("expenses").whereIn("id", ids).forUpdate();
      const found = new Map(rows.map((r) => [r.id, r]));
      const errors = ids.flatMap((id, i) => {
        const row = found.get(id);
        if (!row) return [{ field: `body.expenseIds.${i}`, message: "no such expense" }];
        if (row.status !== "approved") return [{ field: `body.expenseIds.${i}`, message: `is ${row.status}, not approved` }];
        return [];
      });
      if (errors.length) throw new HttpError(422, "expense_not_payable", "only approved expenses go into a payment batch", errors);
      const currencies = new Set(rows.map((r) => r.base_currency));
      if (currencies.size > 1) throw new HttpError(422, "mixed_currencies", "a batch pays in one currency");
      const total = rows.reduce((sum, r) => sum + BigInt(r.base_amount_minor), 0n);
      const id = newId();
      const reference = `PB-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${id.slice(-8).toUpperCase()}`;
      const [batch] = await trx("payment_batches")
        .insert({ id, company_id: companyId, reference, currency: [...currencies][0], total_minor: total.toString(), created_by: userId, updated_by: userId })
        .returning("*");
      await trx("payment_batch_items").insert(ids.map((expenseId) => ({ batch_id: id, expense_id: expenseId, company_id: companyId })));
      await trx("expenses").whereIn("id", ids).update({ status: "processing", updated_by: userId });
      await auditCompanyChange(trx, ctx, {
        action: "payment_batch.created",
        entityType: "payment_batch",
        entityId: id,
        companyId,
        after: { ...batch, expense_ids: ids },
      });
      return batchDto(batch, ids);
    });
  }

  getBatch(principal: Principal, companyId: string, batchId: string) {
    return inCompany(this.db, principal, companyId, FINANCE_ROLES, async ({ trx }) => {
      const batch = await trx("payment_batches").where({ id: batchId }).first();
      if (!batch) throw new HttpError(404, "payment_batch_not_found", `payment batch ${batchId} not found`);
      const items: Array<{ expense_id: string }> = await trx("payment_batch_items").where({ batch_id: batchId }).orderBy("expense_id");
      return batchDto(
        batch,
        items.map((i) => i.expense_id),
      );
    });
  }

  /** The bank executed the batch: its expenses are paid. */
  markBatchPaid(principal: Principal, ctx: AuditContext, companyId: string, batchId: string) {
    return inCompany(this.db, principal, companyId, FINANCE_ROLES, async ({ trx, userId }) => {
      const before = await trx("payment_batches").where({ id: batchId }).forUpdate().first();
      if (!before) throw new HttpError(404, "payment_batch_not_found", `payment batch ${batchId} not found`);
      if (before.status === "paid") throw new HttpError(409, "payment_batch_paid", "this batch is already paid");
      const [after] = await trx("payment_batches").where({ id: batchId }).update({ status: "paid", paid_at: trx.fn.now(), updated_by: userId }).returning("*");
      const items: Array<{ expense_id: string }> = await trx("payment_batch_items").where({ batch_id: batchId });
      const ids = items.map((i) => i.expense_id);
      await trx("expenses").whereIn("id", ids).update({ status: "paid", paid_at: trx.fn.now(), updated_by: userId });
      await auditCompanyChange(trx, ctx, { action: "payment_batch.paid", entityType: "payment_batch", entityId: batchId, companyId, before, after });
      return batchDto(after, ids.sort());
    });
  }

  /** A batch as Xero CSV or SEPA pain.001 (finance; the file holds the payees' IBANs). */
  exportBatch(principal: Principal, companyId: string, batchId: string, format: "xero" | "sepa") {
    return inCompany(this.db, principal, companyId, FINANCE_ROLES, async ({ trx }) => {
      const batch = await trx("payment_batches").where({ id: batchId }).first();
      if (!batch) throw new HttpError(404, "payment_batch_not_found", `payment batch ${batchId} not found`);
      const settings = await companySettings(trx);
      const rows: ExpenseRow[] = await trx("expenses as e")
        .join("payment_batch_items as i", "i.expense_id", "e.id")
        .where("i.batch_id", batchId)
        .orderBy("e.id")
        .select("e.*");
      const payees = await artistPayees(
        trx,
        this.ring,
        rows.map((r) => r.artist_id),
      );
      const lines: BatchLine[] = rows.map((r) => {
        const p = payees.get(r.artist_id)!;
        return {
          expenseId: r.id,
          payee: p.stageName,
          iban: p.iban,
          bic: p.bic,
          amountMinor: BigInt(r.base_amount_minor),
          description: `${r.category}: ${r.description}`,
          expenseDate: sqlDate(r.expense_date),
        };
      });
      const header: BatchHeader = { id: batch.id, reference: batch.reference, currency: batch.currency, createdAt: batch.created_at, payer: settings.payer };
      if (format === "xero") return { contentType: "text/csv; charset=utf-8", fileName: `${batch.reference}.csv`, body: xeroCsv(header, lines) };
      if (batch.currency !== "EUR") throw new HttpError(422, "sepa_requires_eur", `SEPA credit transfers are in EUR; this batch is in ${batch.currency}`);
      if (!settings.payer) throw new HttpError(422, "payer_not_configured", "set the company's payer account (name and IBAN) first");
      const missing = lines.filter((l) => !l.iban);
      if (missing.length)
        throw new HttpError(
          422,
          "payee_without_iban",
          "every payee needs an IBAN on the roster",
          missing.map((l) => ({ field: `expense.${l.expenseId}`, message: `${l.payee} has no IBAN` })),
        );
      return { contentType: "application/xml; charset=utf-8", fileName: `${batch.reference}.xml`, body: sepaCreditTransfer(header, lines) };
    });
  }
}

/** 415 when the bytes are not what the declared type says (checked by content), 413 over 50 MB. */
export async function assertReceipt(contentType: string, bytes: Buffer): Promise<void> {
  if (!(RECEIPT_TYPES as readonly string[]).includes(contentType))
    throw new HttpError(415, "unsupported_receipt_type", `receipts are ${RECEIPT_TYPES.join(", ")}; got ${contentType || "no type"}`, [
      { field: "header.content-type", message: `one of ${RECEIPT_TYPES.join(", ")}` },
    ]);
  if (bytes.length > MAX_RECEIPT_BYTES) throw receiptTooLarge();
  if (bytes.length === 0) throw new HttpError(400, "empty_receipt", "the receipt is empty", [{ field: "body", message: "empty" }]);
  const detected = await fileTypeFromBuffer(bytes);
  if (detected?.mime !== contentType)
    throw new HttpError(415, "receipt_content_mismatch", `the file is ${detected?.mime ?? "of no known type"}, not ${contentType}`, [
      { field: "body", message: `content is not ${contentType}` },
    ]);
}

export function receiptTooLarge(): HttpError {
  return new HttpError(413, "receipt_too_large", `a receipt is at most ${MAX_RECEIPT_BYTES / 1024 / 1024} MB`, [{ field: "body", message: "over 50 MB" }]);
}

function receiptDto(r: { id: string; content_type: string; byte_size: number; sha256: Buffer; file_name: string | null; created_at: Date }) {
  return {
    id: r.id,
    contentType: r.content_type,
    byteSize: r.byte_size,
    sha256: r.sha256.toString("hex"),
    fileName: r.file_name,
    createdAt: r.created_at.toISOString(),
  };
}

/** An expense without its approvals and receipts (lists); `dto` adds them. */
function summaryDto(row: ExpenseRow) {
  return {
    id: row.id,
    artistId: row.artist_id,
    submitterUserId: row.submitter_user_id,
    productionId: row.production_id,
    category: row.category,
    description: row.description,
    expenseDate: sqlDate(row.expense_date),
    amountMinor: String(row.amount_minor),
    currency: row.currency,
    exchangeRate: String(row.exchange_rate),
    baseAmountMinor: String(row.base_amount_minor),
    baseCurrency: row.base_currency,
    status: row.status,
    requiredApprovals: row.required_approvals,
    approvals: [],
    receipts: [],
    rejectionReason: row.rejection_reason,
    submittedAt: row.submitted_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

function batchDto(
  b: { id: string; reference: string; currency: string; total_minor: string; status: string; created_at: Date; paid_at: Date | null },
  expenseIds: string[],
) {
  return {
    id: b.id,
    reference: b.reference,
    currency: b.currency,
    totalMinor: String(b.total_minor),
    status: b.status as "processing" | "paid",
    expenseIds,
    createdAt: b.created_at.toISOString(),
    paidAt: b.paid_at?.toISOString() ?? null,
  };
}
