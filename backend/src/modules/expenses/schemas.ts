import { z } from "../../http/zod.js";
import { PageQuery } from "../../http/pagination.js";

export const ExpenseStatus = z.enum(["draft", "submitted", "in_review", "approved", "rejected", "processing", "paid"]);
export const CompanyParams = z.object({ companyId: z.uuid() });
export const ExpenseParams = z.object({ companyId: z.uuid(), expenseId: z.uuid() });
export const ReceiptParams = z.object({ companyId: z.uuid(), expenseId: z.uuid(), receiptId: z.uuid() });
export const BatchParams = z.object({ companyId: z.uuid(), batchId: z.uuid() });

export const Receipt = z
  .object({ id: z.uuid(), contentType: z.string(), byteSize: z.number(), sha256: z.string(), fileName: z.string().nullable(), createdAt: z.string() })
  .openapi("ExpenseReceipt");

export const Approval = z
  .object({
    level: z.number(),
    approverUserId: z.uuid(),
    approverRole: z.string(),
    decision: z.enum(["approved", "rejected"]),
    comment: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("ExpenseApproval");

export const Expense = z
  .object({
    id: z.uuid(),
    artistId: z.uuid(),
    submitterUserId: z.uuid(),
    productionId: z.uuid().nullable(),
    category: z.string(),
    description: z.string(),
    expenseDate: z.string(),
    amountMinor: z.string(),
    currency: z.string(),
    exchangeRate: z.string(),
    baseAmountMinor: z.string(),
    baseCurrency: z.string(),
    status: ExpenseStatus,
    requiredApprovals: z.number(),
    approvals: z.array(Approval),
    receipts: z.array(Receipt),
    rejectionReason: z.string().nullable(),
    submittedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Expense");

export const CreateExpenseBody = z.strictObject({
  category: z.string().trim().min(1).max(60),
  description: z.string().trim().min(1).max(500),
  expenseDate: z.iso.date(),
  amountMinor: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217 code"),
  exchangeRate: z
    .string()
    .regex(/^\d{1,10}(\.\d{1,8})?$/, "decimal with up to 8 places, e.g. 1.0845")
    .optional()
    .openapi({ description: "one unit of `currency` in the company's base currency; 1 (and optional) when they are the same" }),
  productionId: z.uuid().optional(),
});
export const DecisionBody = z.strictObject({ comment: z.string().trim().max(500).optional() });
export const RejectBody = z.strictObject({ reason: z.string().trim().min(1).max(500) });
export const ExpenseListQuery = PageQuery.extend({ status: ExpenseStatus.optional(), mine: z.enum(["true", "false"]).optional() });

export const PaymentBatch = z
  .object({
    id: z.uuid(),
    reference: z.string(),
    currency: z.string(),
    totalMinor: z.string(),
    status: z.enum(["processing", "paid"]),
    expenseIds: z.array(z.uuid()),
    createdAt: z.string(),
    paidAt: z.string().nullable(),
  })
  .openapi("PaymentBatch");
export const CreateBatchBody = z.strictObject({ expenseIds: z.array(z.uuid()).min(1).max(1000) });
