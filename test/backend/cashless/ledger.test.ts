import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { useTestApi } from "../../support/api-suite.js";
import { buildCashless, fundedBand, ledgerDifferences, pay, type CashlessFixture } from "./fixtures.js";

/** The invariants the database holds by itself, whatever the application code does. */
describe("cashless: the ledger's invariants live in the database", () => {
  const t = useTestApi();
  let c: CashlessFixture;

  before(async () => {
    c = await buildCashless(t.db, t.api);
  });

  async function refused(sql: string, bindings: Array<string | number>, pattern: RegExp) {
    await assert.rejects(async () => {
      await t.db.raw(sql, bindings);
    }, pattern);
  }

  it("a balance changes only by booking a transfer", async () => {
    const { bandId } = await fundedBand(t.api, c, 500);
    const band = await t.db("wristbands").where("id", bandId).first();
    await refused("update ledger_accounts set balance = balance + 1 where id = ?", [band.account_id], /changes only by booking a transfer/);
    await refused("delete from ledger_accounts where id = ?", [band.account_id], /never deleted/);
    await refused(
      "insert into ledger_accounts (id, edition_id, kind, currency, balance) values (?, ?, 'imbalance', 'EUR', 5)",
      [randomUUID(), c.editionId],
      /opens at 0/,
    );
  });

  it("transfers are immutable; settlement_id is set once and nothing else changes", async () => {
    const { tagId } = await fundedBand(t.api, c, 500);
    const res = await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 100, currency: "EUR" });
    const id = res.body.transferId;
    await refused("update ledger_transfers set amount = 1 where id = ?", [id], /immutable/);
    await refused("delete from ledger_transfers where id = ?", [id], /immutable/);
    await refused("truncate ledger_transfers", [], /never truncated/);
    await refused("update ledger_transfers set settlement_id = ?, memo = 'x' where id = ?", [randomUUID(), id], /immutable/);
    const settlement = randomUUID();
    await t.db.raw("update ledger_transfers set settlement_id = ? where id = ?", [settlement, id]);
    await refused("update ledger_transfers set settlement_id = ? where id = ?", [randomUUID(), id], /immutable/);
    assert.equal((await t.db("ledger_transfers").where("id", id).first()).settlement_id, settlement);
  });

  it("a fan account never goes below 0 nor above its cap, even for a direct insert", async () => {
    const { bandId } = await fundedBand(t.api, c, 500);
    const band = await t.db("wristbands").where("id", bandId).first();
    const bonus = (await t.db.raw("select ledger_account_for(?, 'bonus', null, 0::smallint, 'EUR') as id", [c.editionId])).rows[0].id;
    const row = (from: string, to: string, amount: number) => ({
      id: randomUUID(),
      edition_id: c.editionId,
      type: "CORRECTION",
      from_account_id: from,
      to_account_id: to,
      amount,
      currency: "EUR",
      from_balance_before: 0,
      from_balance_after: 0,
      to_balance_before: 0,
      to_balance_after: 0,
    });
    await assert.rejects(async () => await t.db("ledger_transfers").insert(row(band.account_id, bonus, 501)), /ck_ledger_accounts_balance_floor/);
    await assert.rejects(async () => await t.db("ledger_transfers").insert(row(bonus, band.account_id, 49_501)), /ck_ledger_accounts_balance_cap/);
    await assert.rejects(
      async () => await t.db("ledger_transfers").insert({ ...row(bonus, band.account_id, 1), currency: "USD" }),
      /not an account of edition/,
    );
    await assert.rejects(async () => await t.db("ledger_transfers").insert(row(bonus, band.account_id, 0)), /ck_ledger_transfers_amount_positive/);
    const [ok] = await t
      .db("ledger_transfers")
      .insert(row(bonus, band.account_id, 100))
      .returning("*");
    assert.equal(Number(ok.to_balance_before), 500);
    assert.equal(Number(ok.to_balance_after), 600, "the trigger writes the fan account's balance before/after");
  });

  it("the sum over all accounts is zero and every balance equals its transfers", async () => {
    assert.deepEqual(await ledgerDifferences(t.db), []);
    const { rows } = await t.db.raw("select coalesce(sum(balance), 0)::text as total from ledger_accounts");
    assert.equal(rows[0].total, "0");
  });
});
