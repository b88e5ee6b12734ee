import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { call, expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { buildCashless, fundedBand, ledgerDifferences, pay, registerTerminal, type CashlessFixture } from "../cashless/fixtures.js";

describe("vendors: menus, orders and settlements", () => {
  const t = useTestApi();
  let c: CashlessFixture;
  let staff: TestUser;
  let menu: { id: string; items: Array<{ id: string; price: number }> };

  before(async () => {
    c = await buildCashless(t.db, t.api, { commissionBps: 1_000 });
    staff = await createTestUser(t.db);
    await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${c.vendorId}/staff`, c.owner, { userId: staff.userId, role: "staff" });
    menu = await expectStatus(t.api, 201, "POST", `/api/v1/stands/${c.standId}/menus`, c.owner, {
      items: [
        { name: "Frites", price: 450, vatRateBps: 900 },
        { name: "Mayo", price: 75, vatRateBps: 900 },
      ],
    });
    await expectStatus(t.api, 200, "POST", `/api/v1/menus/${menu.id}/publish`, c.owner);
  });

  const order = (body: Record<string, unknown>, terminal = c.terminal) => t.api.request("POST", "/api/v1/terminal/orders", { headers: terminal.headers, body });

  it("a cashless order is charged with the order; its steps are audited; a wrong step is a 409; READY shows on the pickup list", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 2_000);
    const orderId = randomUUID();
    const body = {
      orderId,
      menuId: menu.id,
      lines: [
        { itemId: menu.items[0]!.id, quantity: 2 },
        { itemId: menu.items[1]!.id, quantity: 1 },
      ],
      paymentMethod: "cashless",
      tagId,
      transferId: randomUUID(),
    };
    const placed = await order(body);
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.status, "CONFIRMED");
    assert.equal(placed.body.total, 975);
    assert.equal(placed.body.vatTotal, Math.floor((975 * 900) / 10_900));
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner)).balance, 1_025);
    const replay = await order(body);
    assert.equal(replay.body.replayed, true);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner)).balance, 1_025, "charged once");

    await expectProblem(t.api, { status: 409, code: "invalid_order_transition" }, "POST", `/api/v1/orders/${orderId}/transitions`, staff, { to: "DELIVERED" });
    for (const to of ["PREPARING", "READY"]) await expectStatus(t.api, 200, "POST", `/api/v1/orders/${orderId}/transitions`, staff, { to });
    const pickup = await expectStatus(t.api, 200, "GET", `/api/v1/stands/${c.standId}/pickup`, staff);
    assert.ok(pickup.items.some((i: { id: string }) => i.id === orderId));
    await expectStatus(t.api, 200, "POST", `/api/v1/orders/${orderId}/transitions`, staff, { to: "DELIVERED" });
    const sales = await expectStatus(t.api, 200, "GET", `/api/v1/editions/${c.editionId}/sales/products`, c.owner);
    assert.deepEqual(
      sales.items.map((i: { product: string; quantity: number; revenue: number }) => [i.product, i.quantity, i.revenue]),
      [
        ["Frites", 2, 900],
        ["Mayo", 1, 75],
      ],
    );
    const refunded = await expectStatus(t.api, 200, "POST", `/api/v1/orders/${orderId}/transitions`, staff, { to: "REFUNDED" });
    assert.ok(refunded.refundTransferId);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner)).balance, 2_000, "refund gives the payment back");
    await expectProblem(t.api, { status: 409, code: "invalid_order_transition" }, "POST", `/api/v1/orders/${orderId}/transitions`, staff, { to: "REFUNDED" });
    const events = await expectStatus(t.api, 200, "GET", `/api/v1/orders/${orderId}/events`, staff);
    assert.deepEqual(
      events.items.map((e: { to: string }) => e.to),
      ["PENDING", "CONFIRMED", "PREPARING", "READY", "DELIVERED", "REFUNDED"],
    );
    const outsider = await createTestUser(t.db);
    await expectProblem(t.api, { status: 404, code: "order_not_found" }, "POST", `/api/v1/orders/${orderId}/transitions`, outsider, { to: "CANCELLED" });
  });

  it("an order that cannot be paid leaves nothing behind; a retired menu's prices expire; another stand's terminal is refused", async () => {
    const { tagId } = await fundedBand(t.api, c, 300);
    const orderId = randomUUID();
    const poor = await order({
      orderId,
      menuId: menu.id,
      lines: [{ itemId: menu.items[0]!.id, quantity: 1 }],
      paymentMethod: "cashless",
      tagId,
      transferId: randomUUID(),
    });
    assert.equal(poor.status, 422);
    assert.equal(poor.body.code, "insufficient_balance");
    assert.equal(await t.db("vendor_orders").where("id", orderId).first(), undefined, "no order without its payment");

    const otherStand = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${c.vendorId}/stands`, c.owner, { name: "Frites south" });
    const otherTerminal = await registerTerminal(t.api, c.owner, otherStand.id);
    const wrong = await order(
      { orderId: randomUUID(), menuId: menu.id, lines: [{ itemId: menu.items[1]!.id, quantity: 1 }], paymentMethod: "cash" },
      otherTerminal,
    );
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, "terminal_wrong_stand");

    const v2 = await expectStatus(t.api, 201, "POST", `/api/v1/stands/${c.standId}/menus`, c.owner, {
      items: [{ name: "Frites", price: 500, vatRateBps: 900 }],
    });
    await expectStatus(t.api, 200, "POST", `/api/v1/menus/${v2.id}/publish`, c.owner);
    const expired = await order({ orderId: randomUUID(), menuId: menu.id, lines: [{ itemId: menu.items[0]!.id, quantity: 1 }], paymentMethod: "card" });
    assert.equal(expired.status, 422);
    assert.equal(expired.body.code, "menu_price_expired");
    await assert.rejects(async () => await t.db("vendor_menu_items").where("menu_id", menu.id).update({ price: 1 }), /never change/);
    menu = v2;
  });

  it("settlement: every ledger entry of the vendor lands in exactly one settlement; gross, commission and net add up", async () => {
    const vendor = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/vendors`, c.owner, { name: "Waffles", commissionBps: 1_250 });
    const stand = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${vendor.id}/stands`, c.owner, { name: "Waffle stand" });
    const terminals = [await registerTerminal(t.api, c.owner, stand.id), await registerTerminal(t.api, c.owner, stand.id)];
    const { tagId } = await fundedBand(t.api, c, 20_000);
    let paid = 0;
    for (let i = 0; i < 20; i++) {
      const amount = 101 + i * 7;
      const res = await pay(t.api, { terminal: terminals[i % 2]! }, { transferId: randomUUID(), tagId, amount, currency: "EUR" });
      assert.equal(res.status, 201);
      paid += amount;
    }
    const first = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${vendor.id}/settlements`, c.owner);
    assert.equal(first.payments, paid);
    assert.equal(first.gross, paid);
    assert.equal(first.commission, Math.round((paid * 1_250) / 10_000));
    assert.equal(first.net, first.gross - first.commission);

    // more sales, then a second settlement takes only those
    let more = 0;
    for (let i = 0; i < 5; i++) {
      const res = await pay(t.api, { terminal: terminals[0]! }, { transferId: randomUUID(), tagId, amount: 333, currency: "EUR" });
      assert.equal(res.status, 201);
      more += 333;
    }
    const second = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${vendor.id}/settlements`, c.owner);
    assert.equal(second.gross, more);
    const empty = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${vendor.id}/settlements`, c.owner);
    assert.equal(empty.gross, 0);
    assert.equal(empty.entries, 0);

    const entries = await t.db("ledger_transfers").where("vendor_id", vendor.id);
    assert.ok(
      entries.every((e) => e.settlement_id !== null),
      "no entry of the vendor is left unsettled",
    );
    const bySettlement = new Map<string, number>();
    for (const e of entries) bySettlement.set(e.settlement_id, (bySettlement.get(e.settlement_id) ?? 0) + 1);
    assert.deepEqual(new Set(bySettlement.keys()), new Set([first.id, second.id]));
    const payments = entries.filter((e) => e.type === "PAYMENT");
    assert.equal(payments.length, 25);
    assert.equal(
      payments.reduce((s, e) => s + Number(e.amount), 0),
      first.gross + second.gross,
    );
    // the receivable shards are empty again: everything moved to the vendor's payable, minus commission
    const shards = await t.db("ledger_accounts").where({ edition_id: c.editionId, kind: "vendor_receivable", owner_id: vendor.id });
    assert.ok(shards.length > 1, "payments were spread over several shards");
    assert.ok(shards.every((s) => Number(s.balance) === 0));
    const payable = await t.db("ledger_accounts").where({ edition_id: c.editionId, kind: "vendor_payable", owner_id: vendor.id }).first();
    assert.equal(Number(payable.balance), first.net + second.net);
    const list = await call(t.api, "GET", `/api/v1/vendors/${vendor.id}/settlements`, c.owner);
    assert.equal(list.body.items.length, 3);
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });

  it("a card order is confirmed at once and can be cancelled; staff cannot settle, another edition's cashier cannot top up here", async () => {
    const placed = await order({ orderId: randomUUID(), menuId: menu.id, lines: [{ itemId: menu.items[0]!.id, quantity: 3 }], paymentMethod: "card" });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.status, "CONFIRMED");
    assert.equal(placed.body.paymentTransferId, null, "card and cash are paid at the counter, not through the ledger");
    const cancelled = await expectStatus(t.api, 200, "POST", `/api/v1/orders/${placed.body.id}/transitions`, staff, { to: "CANCELLED" });
    assert.equal(cancelled.status, "CANCELLED");
    await expectProblem(t.api, { status: 409, code: "invalid_order_transition" }, "POST", `/api/v1/orders/${placed.body.id}/transitions`, staff, {
      to: "PREPARING",
    });

    await expectProblem(t.api, { status: 403, code: "forbidden" }, "POST", `/api/v1/vendors/${c.vendorId}/settlements`, staff);
    await expectProblem(t.api, { status: 403, code: "forbidden" }, "PATCH", `/api/v1/vendors/${c.vendorId}`, staff, { commissionBps: 0 });
    const elsewhere = await buildCashless(t.db, t.api);
    await expectProblem(t.api, { status: 404, code: "edition_not_found" }, "POST", `/api/v1/editions/${c.editionId}/topups`, elsewhere.cashier, {
      transferId: randomUUID(),
      tagId: "AABBCCDDEEFF00",
      amount: 500,
      method: "card",
    });
    // a terminal of the other edition does not find this edition's bands
    const res = await t.api.request("POST", "/api/v1/terminal/payments", {
      headers: elsewhere.terminal.headers,
      body: { transferId: randomUUID(), tagId: (await fundedBand(t.api, c, 500)).tagId, amount: 100, currency: "EUR" },
    });
    assert.equal(res.status, 422);
    assert.equal(res.body.code, "unknown_band");
  });
});
