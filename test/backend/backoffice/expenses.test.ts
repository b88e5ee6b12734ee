import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../../lib/config.js";
import { todayIn } from "../../../backend/src/modules/expenses/service.js";
import { expectProblem, useTestApi } from "../../support/api-suite.js";
import type { TestUser } from "../../support/auth.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

function daysAgo(days: number): string {
  const today = todayIn("Europe/Berlin");
  return new Date(Date.parse(`${today}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

describe("back office: expenses, receipts, approvals and payment batches", () => {
  const storageDir = mkdtempSync(path.join(os.tmpdir(), "receipts-"));
  const base = loadConfig({});
  const t = useTestApi({ config: { ...base, backoffice: { ...base.backoffice, storageDir } } });
  let c: TestCompany, other: TestCompany;

  before(async () => {
    c = await buildCompany(t.db, t.api, { name: "Expenses A" });
    other = await buildCompany(t.db, t.api, { name: "Expenses B" });
  });

  const expensesPath = () => `/api/v1/companies/${c.companyId}/expenses`;

  async function upload(user: TestUser, expenseId: string, contentType: string, body: Buffer, companyId = c.companyId) {
    const res = await fetch(`${t.api.base}/api/v1/companies/${companyId}/expenses/${expenseId}/receipts?fileName=r.png`, {
      method: "POST",
      headers: { ...user.headers, "content-type": contentType },
      body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  async function draft(user: TestUser, amountMinor: number, extra: Record<string, unknown> = {}) {
    const res = await t.api.post(
      expensesPath(),
      { category: "travel", description: "train", expenseDate: daysAgo(3), amountMinor, currency: "EUR", ...extra },
      user.headers,
    );
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  async function submitted(user: TestUser, amountMinor: number) {
    const e = await draft(user, amountMinor);
    assert.equal((await upload(user, e.id, "image/png", PNG)).status, 201);
    const res = await t.api.post(`${expensesPath()}/${e.id}/submit`, undefined, user.headers);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  }

  const approve = (user: TestUser, id: string) => t.api.post(`${expensesPath()}/${id}/approve`, {}, user.headers);

  it("refuses an expense older than 90 days or in the future, naming the rule, and stores nothing", async () => {
    const count = async () => (await t.db("expenses").where({ company_id: c.companyId })).length;
    const before = await count();
    await expectProblem(t.api, { status: 422, code: "expense_date_too_old", fields: ["body.expenseDate"] }, "POST", expensesPath(), c.artist, {
      category: "travel",
      description: "old",
      expenseDate: daysAgo(91),
      amountMinor: 1000,
      currency: "EUR",
    });
    await expectProblem(t.api, { status: 422, code: "expense_date_in_future", fields: ["body.expenseDate"] }, "POST", expensesPath(), c.artist, {
      category: "travel",
      description: "future",
      expenseDate: daysAgo(-2),
      amountMinor: 1000,
      currency: "EUR",
    });
    await expectProblem(t.api, { status: 422, code: "unknown_expense_category", fields: ["body.category"] }, "POST", expensesPath(), c.artist, {
      category: "yachts",
      description: "x",
      expenseDate: daysAgo(1),
      amountMinor: 1000,
      currency: "EUR",
    });
    assert.equal(await count(), before);
    await draft(c.artist, 1000, { expenseDate: daysAgo(90) });
  });

  it("converts a foreign-currency amount to the base currency at the given rate", async () => {
    const e = await draft(c.artist, 10_000, { currency: "USD", exchangeRate: "0.92345" });
    assert.equal(e.baseAmountMinor, "9235");
    assert.equal(e.baseCurrency, "EUR");
    await expectProblem(t.api, { status: 400, code: "invalid_input", fields: ["body.exchangeRate"] }, "POST", expensesPath(), c.artist, {
      category: "travel",
      description: "x",
      expenseDate: daysAgo(1),
      amountMinor: 1000,
      currency: "GBP",
    });
  });

  it("checks receipts by content and size and stores them under their SHA-256", async () => {
    const e = await draft(c.artist, 2000);
    const mismatch = await upload(c.artist, e.id, "image/png", PDF);
    assert.equal(mismatch.status, 415);
    assert.equal(mismatch.body.code, "receipt_content_mismatch");
    const renamedText = await upload(c.artist, e.id, "application/pdf", Buffer.from("just text, named .pdf"));
    assert.equal(renamedText.body.code, "receipt_content_mismatch");
    const wrongType = await upload(c.artist, e.id, "text/plain", Buffer.from("hello"));
    assert.equal(wrongType.status, 415);
    assert.equal(wrongType.body.code, "unsupported_receipt_type");
    const huge = Buffer.alloc(50 * 1024 * 1024 + 1);
    PNG.copy(huge);
    const tooLarge = await upload(c.artist, e.id, "image/png", huge);
    assert.equal(tooLarge.status, 413);
    assert.equal(tooLarge.body.code, "receipt_too_large");
    assert.equal((await t.db("expense_receipts").where({ expense_id: e.id })).length, 0);

    const ok = await upload(c.artist, e.id, "image/png", PNG);
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    const sha = createHash("sha256").update(PNG).digest("hex");
    assert.equal(ok.body.sha256, sha);
    assert.ok(existsSync(path.join(storageDir, c.companyId, sha)));
    const pdf = await upload(c.artist, e.id, "application/pdf", PDF);
    assert.equal(pdf.status, 201, JSON.stringify(pdf.body));
    const download = await fetch(`${t.api.base}${expensesPath()}/${e.id}/receipts/${ok.body.id}`, { headers: c.accountant.headers });
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), PNG);
    // another company's user cannot add to or read it
    assert.equal((await upload(other.artist, e.id, "image/png", PNG)).status, 404);
    assert.equal((await fetch(`${t.api.base}${expensesPath()}/${e.id}/receipts/${ok.body.id}`, { headers: other.owner.headers })).status, 404);
  });

  it("approves up to the automatic limit by itself and needs a receipt to submit", async () => {
    const bare = await draft(c.artist, 5000);
    await expectProblem(t.api, { status: 422, code: "receipt_required" }, "POST", `${expensesPath()}/${bare.id}/submit`, c.artist);
    const small = await submitted(c.artist, 10_000);
    assert.equal(small.status, "approved");
    assert.equal(small.requiredApprovals, 0);
  });

  it("refuses approving your own expense (separation of duties) and changes nothing", async () => {
    await t.api.post(`/api/v1/companies/${c.companyId}/artists`, { userId: c.admin.userId, stageName: "Admin who performs" }, c.owner.headers);
    const own = await submitted(c.admin, 30_000);
    await expectProblem(t.api, { status: 403, code: "self_approval_forbidden" }, "POST", `${expensesPath()}/${own.id}/approve`, c.admin, {});
    await expectProblem(t.api, { status: 403, code: "insufficient_company_role" }, "POST", `${expensesPath()}/${own.id}/approve`, c.artist, {});
    const row = await t.db("expenses").where({ id: own.id }).first();
    assert.equal(row.status, "submitted");
    assert.equal((await t.db("expense_approvals").where({ expense_id: own.id })).length, 0);
    const res = await approve(c.accountant, own.id);
    assert.equal(res.body.status, "approved", JSON.stringify(res.body));
  });

  it("goes up the levels by the company's limits and refuses a final approval above the approver's limit", async () => {
    // 800.00: an admin's first level, then the final level needs finance (admin limit 500.00)
    const mid = await submitted(c.artist, 80_000);
    assert.equal(mid.requiredApprovals, 2);
    const first = await approve(c.admin, mid.id);
    assert.equal(first.body.status, "in_review", JSON.stringify(first.body));
    await expectProblem(t.api, { status: 409, code: "already_approved_by_you" }, "POST", `${expensesPath()}/${mid.id}/approve`, c.admin, {});
    const reviewedBy = await t.db("expenses").where({ id: mid.id }).first();
    const final = await approve(c.accountant, mid.id);
    assert.equal(final.body.status, "approved", JSON.stringify(final.body));
    assert.notDeepEqual(reviewedBy.status, "approved");

    // 1,500.00: above the finance limit, only a system_admin gives the final approval
    const big = await submitted(c.artist, 150_000);
    assert.equal((await approve(c.admin, big.id)).body.status, "in_review");
    const refused = await expectProblem(
      t.api,
      { status: 422, code: "approval_limit_exceeded" },
      "POST",
      `${expensesPath()}/${big.id}/approve`,
      c.accountant,
      {},
    );
    assert.equal(refused.approvalLimitMinor, "100000");
    assert.equal((await t.db("expense_approvals").where({ expense_id: big.id })).length, 1);
    assert.equal((await t.db("expenses").where({ id: big.id }).first()).status, "in_review");
    assert.equal((await approve(c.owner, big.id)).body.status, "approved");

    const rejected = await submitted(c.artist, 20_000);
    const r = await t.api.post(`${expensesPath()}/${rejected.id}/reject`, { reason: "no receipt detail" }, c.admin.headers);
    assert.equal(r.body.status, "rejected");
    await expectProblem(t.api, { status: 409, code: "expense_not_awaiting_approval" }, "POST", `${expensesPath()}/${rejected.id}/approve`, c.accountant, {});
  });

  it("lists the approval queue without the reviewer's own or already approved expenses", async () => {
    const waiting = await submitted(c.artist, 40_000);
    const queue = await t.api.get(`/api/v1/companies/${c.companyId}/approval-queue`, c.admin.headers);
    assert.equal(queue.status, 200, JSON.stringify(queue.body));
    assert.ok(queue.body.items.some((e: { id: string }) => e.id === waiting.id));
    const dashboard = await t.api.get(`${expensesPath()}?mine=true`, c.artist.headers);
    assert.ok(dashboard.body.items.every((e: { submitterUserId: string }) => e.submitterUserId === c.artist.userId));
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "GET", `/api/v1/companies/${c.companyId}/approval-queue`, other.admin);
    await expectProblem(t.api, { status: 404, code: "company_not_found" }, "POST", `${expensesPath()}/${waiting.id}/approve`, other.owner, {});
    await expectProblem(
      t.api,
      { status: 404, code: "expense_not_found" },
      "POST",
      `/api/v1/companies/${other.companyId}/expenses/${waiting.id}/approve`,
      other.owner,
      {},
    );
    assert.equal((await t.db("expenses").where({ id: waiting.id }).first()).status, "submitted");
  });

  it("puts approved expenses into a batch, exports Xero CSV and SEPA pain.001, and pays them", async () => {
    const a = await submitted(c.artist, 9_000);
    const b = await submitted(c.artist, 30_000);
    assert.equal((await approve(c.admin, b.id)).body.status, "approved");
    const pending = await submitted(c.artist, 30_000);
    const batchPath = `/api/v1/companies/${c.companyId}/payment-batches`;
    await expectProblem(t.api, { status: 422, code: "expense_not_payable", fields: ["body.expenseIds.1"] }, "POST", batchPath, c.accountant, {
      expenseIds: [a.id, pending.id],
    });
    await expectProblem(t.api, { status: 403, code: "insufficient_company_role" }, "POST", batchPath, c.admin, { expenseIds: [a.id] });
    const key = { "idempotency-key": `batch-${a.id}` };
    const created = await t.api.post(batchPath, { expenseIds: [a.id, b.id] }, { ...c.accountant.headers, ...key });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.totalMinor, "39000");
    const replay = await t.api.post(batchPath, { expenseIds: [a.id, b.id] }, { ...c.accountant.headers, ...key });
    assert.equal(replay.body.id, created.body.id);
    assert.equal((await t.db("expenses").where({ id: a.id }).first()).status, "processing");

    const csv = await fetch(`${t.api.base}${batchPath}/${created.body.id}/xero.csv`, { headers: c.accountant.headers });
    assert.equal(csv.status, 200);
    const lines = (await csv.text()).trim().split("\r\n");
    assert.equal(lines[0], "*Date,*Amount,Payee,Description,Reference");
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.includes(",-90.00,The Artist,")));

    const sepa = await fetch(`${t.api.base}${batchPath}/${created.body.id}/sepa.xml`, { headers: c.accountant.headers });
    const xml = await sepa.text();
    assert.equal(sepa.status, 200, xml);
    assert.match(xml, /urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.03/);
    assert.match(xml, /<CtrlSum>390\.00<\/CtrlSum>/);
    assert.match(xml, /<IBAN>DE02120300000000202051<\/IBAN>/);
    assert.match(xml, /<IBAN>DE89370400440532013000<\/IBAN>/);
    assert.equal((await fetch(`${t.api.base}${batchPath}/${created.body.id}/sepa.xml`, { headers: c.manager.headers })).status, 403);
    assert.equal((await fetch(`${t.api.base}${batchPath}/${created.body.id}/sepa.xml`, { headers: other.accountant.headers })).status, 404);

    const paid = await t.api.post(`${batchPath}/${created.body.id}/paid`, undefined, c.accountant.headers);
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal((await t.db("expenses").where({ id: b.id }).first()).status, "paid");
    const audit = await t.db("audit_log").where({ action: "expense.approved", entity_id: b.id }).first();
    assert.equal(audit.before.status, "submitted");
    assert.equal(audit.after.status, "approved");
    assert.ok(audit.changed_fields.includes("status"));
  });
});
