import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { buildCashless, ledgerDifferences, newTag, pay, transferCount, type CashlessFixture } from "./fixtures.js";

describe("cashless: fans, cashiers and organizers", () => {
  const t = useTestApi();
  let c: CashlessFixture;
  let fan: TestUser;

  before(async () => {
    c = await buildCashless(t.db, t.api, { balanceCap: 30_000 });
    fan = await createTestUser(t.db, { roles: ["fan"] });
  });

  const topup = (tagId: string, amount: number, method: "cash" | "card" = "cash", transferId = randomUUID()) =>
    call(t.api, "POST", `/api/v1/editions/${c.editionId}/topups`, c.cashier, { transferId, tagId, amount, method });

  it("a fan links a band, a cashier tops it up, the fan sees balance and history (paginated)", async () => {
    const tagId = newTag();
    const band = await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, fan, { tagId: tagId.toLowerCase() });
    assert.equal(band.tagId, tagId);
    assert.equal(band.userId, fan.userId);
    assert.equal(band.balance, 0);
    // linking again is a no-op; someone else cannot take it
    await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, fan, { tagId });
    const other = await createTestUser(t.db, { roles: ["fan"] });
    await expectProblem(t.api, { status: 409, code: "band_linked_elsewhere" }, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, other, { tagId });

    assert.equal((await topup(tagId, 2_000)).status, 201);
    assert.equal((await topup(tagId, 3_000, "card")).status, 201);
    for (let i = 0; i < 3; i++) assert.equal((await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 100 + i, currency: "EUR" })).status, 201);

    const mine = await expectStatus(t.api, 200, "GET", `/api/v1/me/wristbands?editionId=${c.editionId}`, fan);
    assert.equal(mine.items.length, 1);
    assert.equal(mine.items[0].balance, 5_000 - 303);

    const page1 = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${band.id}/history?limit=3`, fan);
    assert.equal(page1.items.length, 3);
    assert.deepEqual(
      page1.items.map((e: { amount: number }) => e.amount),
      [-102, -101, -100],
    );
    assert.equal(page1.items[0].balanceAfter, 4_697);
    assert.ok(page1.nextCursor);
    const page2 = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${band.id}/history?limit=3&cursor=${page1.nextCursor}`, fan);
    assert.deepEqual(
      page2.items.map((e: { type: string; amount: number }) => [e.type, e.amount]),
      [
        ["TOPUP", 3_000],
        ["TOPUP", 2_000],
      ],
    );
    assert.equal(page2.nextCursor, null);
    // another fan does not see it
    await expectProblem(t.api, { status: 404, code: "wristband_not_found" }, "GET", `/api/v1/wristbands/${band.id}/history`, other);
  });

  it("top-ups: exactly once by transfer id, within the limits and the cap, only by cashiers", async () => {
    const tagId = newTag();
    const transferId = randomUUID();
    const first = await topup(tagId, 1_000, "cash", transferId);
    assert.equal(first.status, 201);
    const replay = await topup(tagId, 1_000, "cash", transferId);
    assert.equal(replay.status, 201);
    assert.equal(replay.body.replayed, true);
    assert.equal(replay.body.transferId, first.body.transferId);
    const conflict = await topup(tagId, 1_001, "cash", transferId);
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, "transfer_id_conflict");

    const before = await transferCount(t.db, c.editionId);
    const cases: Array<[number, string]> = [
      [99, "topup_out_of_limits"],
      [20_001, "topup_out_of_limits"],
      [0, "amount_not_positive"],
    ];
    for (const [amount, code] of cases) {
      const res = await topup(tagId, amount);
      assert.equal(res.status, 422, JSON.stringify(res.body));
      assert.equal(res.body.code, code);
    }
    assert.equal((await topup(tagId, 20_000)).status, 201);
    const over = await topup(tagId, 9_001); // 21,000 + 9,001 > 30,000
    assert.equal(over.status, 422);
    assert.equal(over.body.code, "over_cap");
    assert.equal(await transferCount(t.db, c.editionId), before + 1, "only the valid top-up was booked");

    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "POST", `/api/v1/editions/${c.editionId}/topups`, fan, {
      transferId: randomUUID(),
      tagId,
      amount: 500,
      method: "card",
    });
  });

  it("a lost band is blocked and its balance (bonus included) moves to a new band", async () => {
    const tagId = newTag();
    const band = await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, fan, { tagId });
    await topup(tagId, 4_000, "card");
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/bonuses`, c.owner, { transferId: randomUUID(), tagId, amount: 500 });
    await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 1_000, currency: "EUR" });

    const blocked = await expectStatus(t.api, 200, "POST", `/api/v1/wristbands/${band.id}/block`, fan);
    assert.equal(blocked.status, "blocked");
    const refusedPay = await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 1, currency: "EUR" });
    assert.equal(refusedPay.body.code, "band_blocked");

    const newTagId = newTag();
    const moved = await expectStatus(t.api, 200, "POST", `/api/v1/wristbands/${band.id}/move`, fan, { newTagId });
    assert.equal(moved.moved, 3_500);
    assert.equal(moved.to.balance, 3_500);
    assert.equal(moved.to.userId, fan.userId);
    const old = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${band.id}`, fan);
    assert.equal(old.balance, 0);
    assert.equal(old.replacedById, moved.to.id);
    await expectProblem(t.api, { status: 409, code: "band_already_moved" }, "POST", `/api/v1/wristbands/${band.id}/move`, fan, { newTagId: newTag() });
    assert.equal((await pay(t.api, c, { transferId: randomUUID(), tagId: newTagId, amount: 500, currency: "EUR" })).status, 201);

    // after the edition (the fixture's ended in 2025): refund of what is left, bonus excluded
    const refund = await expectStatus(t.api, 200, "POST", `/api/v1/wristbands/${moved.to.id}/refund`, fan);
    assert.equal(refund.bonusExcluded, 500);
    assert.equal(refund.refunded, 2_500);
    const after = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${moved.to.id}`, fan);
    assert.equal(after.balance, 0);
    assert.equal(after.blockedReason, "refunded");
    await expectProblem(t.api, { status: 409, code: "already_refunded" }, "POST", `/api/v1/wristbands/${moved.to.id}/refund`, fan);
  });

  it("a drawer shift closes with counted cash; the difference goes to the imbalance account", async () => {
    const cashier = await createTestUser(t.db, { roles: ["cashier"] });
    await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/cashiers`, c.owner, { userId: cashier.userId });
    const shift = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/drawer-shifts`, cashier, { desk: "Desk B", openingFloat: 5_000 });
    await expectProblem(t.api, { status: 409, code: "shift_already_open" }, "POST", `/api/v1/editions/${c.editionId}/drawer-shifts`, cashier, {
      desk: "Desk C",
    });
    const tags = [newTag(), newTag()];
    for (const [i, amount] of [1_000, 2_500].entries()) {
      await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/topups`, cashier, {
        transferId: randomUUID(),
        tagId: tags[i],
        amount,
        method: "cash",
      });
    }
    await pay(t.api, c, { transferId: randomUUID(), tagId: tags[0], amount: 400, currency: "EUR" });
    // the first band comes back to the desk: its remaining 600 paid out in cash
    const paidOut = await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/cash-refunds`, cashier, { tagId: tags[0] });
    assert.equal(paidOut.refunded, 600);
    await expectProblem(t.api, { status: 409, code: "already_refunded" }, "POST", `/api/v1/editions/${c.editionId}/cash-refunds`, cashier, { tagId: tags[0] });
    const imbalanceBefore = await imbalance();
    // expected 5,000 + 3,500 - 600 = 7,900; counted 7,750: 150 short
    const closed = await expectStatus(t.api, 200, "POST", `/api/v1/drawer-shifts/${shift.id}/close`, cashier, { countedCash: 7_750 });
    assert.equal(closed.expectedCash, 7_900);
    assert.equal(closed.difference, -150);
    assert.equal(closed.status, "closed");
    assert.equal((await imbalance()) - imbalanceBefore, -150);
    await expectProblem(t.api, { status: 409, code: "shift_closed" }, "POST", `/api/v1/drawer-shifts/${shift.id}/close`, cashier, { countedCash: 1 });
    const cash = await expectProblem(t.api, { status: 422, code: "no_open_shift" }, "POST", `/api/v1/editions/${c.editionId}/topups`, cashier, {
      transferId: randomUUID(),
      tagId: newTag(),
      amount: 500,
      method: "cash",
    });
    assert.ok(cash);
  });

  it("organizers see the ledger by kind; its total is 0 and the verification finds nothing", async () => {
    const summary = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${c.editionId}/ledger`, c.owner);
    assert.equal(summary.total, 0);
    assert.ok(summary.accounts.some((a: { kind: string }) => a.kind === "vendor_receivable"));
    const byVendor = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${c.editionId}/sales?groupBy=vendor`, c.owner);
    const mine = byVendor.items.find((i: { key: string }) => i.key === c.vendorId);
    assert.ok(mine && mine.count >= 5 && mine.net > 0, JSON.stringify(byVendor));
    const byHour = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${c.editionId}/sales?groupBy=hour`, c.owner);
    assert.equal(
      byHour.items.reduce((s: number, i: { net: number }) => s + i.net, 0),
      byVendor.items.reduce((s: number, i: { net: number }) => s + i.net, 0),
    );
    const byOperator = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${c.editionId}/sales?groupBy=operator`, c.owner);
    assert.ok(byOperator.items.some((i: { key: string }) => i.key === c.cashier.userId));
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "GET", `/api/v1/editions/${c.editionId}/sales`, fan);
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });

  async function imbalance(): Promise<number> {
    const row = await t.db("ledger_accounts").where({ edition_id: c.editionId, kind: "imbalance" }).first();
    return Number(row?.balance ?? 0);
  }
});
