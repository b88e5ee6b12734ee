import { randomBytes, randomUUID } from "node:crypto";
import type { Knex } from "knex";
import { expectStatus } from "../../support/api-suite.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { buildFestival, type FestivalFixture } from "../../support/festival.js";
import type { TestApi } from "../../support/http.js";

/**
 * A cashless edition built through the API: settings (EUR, cap 50_000, top-ups 100..20_000),
 * a cashier with an open drawer shift, a vendor with one stand and one terminal.
 */
export interface CashlessFixture extends FestivalFixture {
  cashier: TestUser;
  shiftId: string;
  vendorId: string;
  standId: string;
  terminal: { id: string; key: string; headers: Record<string, string> };
}

export async function buildCashless(
  db: Knex,
  api: TestApi,
  opts: { balanceCap?: number; offlineAllowance?: number; commissionBps?: number; openingFloat?: number } = {},
): Promise<CashlessFixture> {
  const f = await buildFestival(db, api);
  await expectStatus(api, 200, "PUT", `/api/v1/editions/${f.editionId}/cashless-settings`, f.owner, {
    currency: "EUR",
    balanceCap: opts.balanceCap ?? 50_000,
    offlineAllowance: opts.offlineAllowance ?? 2_000,
    topupMin: 100,
    topupMax: 20_000,
    commissionBps: opts.commissionBps ?? 1_000,
  });
  const cashier = await createTestUser(db, { roles: ["cashier"] });
  await expectStatus(api, 201, "POST", `/api/v1/editions/${f.editionId}/cashiers`, f.owner, { userId: cashier.userId });
  const shift = await expectStatus(api, 201, "POST", `/api/v1/editions/${f.editionId}/drawer-shifts`, cashier, {
    desk: "Desk A",
    openingFloat: opts.openingFloat ?? 10_000,
  });
  const vendor = await expectStatus(api, 201, "POST", `/api/v1/editions/${f.editionId}/vendors`, f.owner, { name: "Frites" });
  const stand = await expectStatus(api, 201, "POST", `/api/v1/vendors/${vendor.id}/stands`, f.owner, { name: "Frites north" });
  const terminal = await registerTerminal(api, f.owner, stand.id);
  return { ...f, cashier, shiftId: shift.id, vendorId: vendor.id, standId: stand.id, terminal };
}

export async function registerTerminal(api: TestApi, user: TestUser, standId: string, signingPublicKey?: string) {
  const t = await expectStatus(api, 201, "POST", `/api/v1/stands/${standId}/terminals`, user, { name: `T-${randomUUID().slice(0, 6)}`, signingPublicKey });
  return { id: t.id as string, key: t.key as string, headers: { "x-terminal-key": t.key as string } };
}

export function newTag(): string {
  return randomBytes(7).toString("hex").toUpperCase();
}

/** A band with `amount` on it (card top-up by the fixture's cashier); returns its tag id and band id. */
export async function fundedBand(api: TestApi, c: CashlessFixture, amount: number, method: "cash" | "card" = "card") {
  const tagId = newTag();
  const body = await expectStatus(api, 201, "POST", `/api/v1/editions/${c.editionId}/topups`, c.cashier, { transferId: randomUUID(), tagId, amount, method });
  return { tagId, bandId: body.wristbandId as string };
}

export function pay(api: TestApi, c: { terminal: { headers: Record<string, string> } }, body: Record<string, unknown>) {
  return api.request("POST", "/api/v1/terminal/payments", { headers: c.terminal.headers, body });
}

/** Every difference ledger_verify() reports (empty = every balance equals its transfers). */
export async function ledgerDifferences(db: Knex): Promise<unknown[]> {
  const { rows } = await db.raw("select * from ledger_verify()");
  return rows;
}

export async function transferCount(db: Knex, editionId: string): Promise<number> {
  const row = await db("ledger_transfers").where("edition_id", editionId).count<{ count: string }>("* as count").first();
  return Number(row?.count ?? 0);
}
