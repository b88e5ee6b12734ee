import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { expectProblem, expectStatus, useTestApi } from "../../support/api-suite.js";
import { createTestUser } from "../../support/auth.js";
import { PaymentBatcher } from "../../../backend/src/modules/cashless/payments.js";
import { buildCashless, fundedBand, ledgerDifferences, newTag, pay, registerTerminal, transferCount, type CashlessFixture } from "./fixtures.js";

describe("cashless: terminal payments", () => {
  const t = useTestApi();
  let c: CashlessFixture;

  before(async () => {
    c = await buildCashless(t.db, t.api);
  });

  it("charges a band once; a replay returns the first result; the same id with other content is a 409", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 1_000);
    const transferId = randomUUID();
    const first = await pay(t.api, c, { transferId, tagId, amount: 350, currency: "EUR" });
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.body.balanceAfter, 650);
    assert.equal(first.body.replayed, false);
    assert.equal(first.body.wristbandId, bandId);

    const replay = await pay(t.api, c, { transferId, tagId, amount: 350, currency: "EUR" });
    assert.equal(replay.status, 201);
    assert.equal(replay.body.replayed, true);
    assert.equal(replay.body.transferId, first.body.transferId);
    assert.equal(replay.body.balanceAfter, 650);

    const conflict = await pay(t.api, c, { transferId, tagId, amount: 351, currency: "EUR" });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, "transfer_id_conflict");

    const band = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(band.balance, 650, "charged exactly once");
  });

  it("refuses each bad input with its own code and books nothing", async () => {
    const { tagId } = await fundedBand(t.api, c, 500);
    const before = await transferCount(t.db, c.editionId);
    const cases: Array<[number, string, Record<string, unknown>]> = [
      [422, "unknown_band", { tagId: newTag(), amount: 100, currency: "EUR" }],
      [422, "insufficient_balance", { tagId, amount: 501, currency: "EUR" }],
      [422, "amount_not_positive", { tagId, amount: 0, currency: "EUR" }],
      [422, "amount_not_positive", { tagId, amount: -5, currency: "EUR" }],
      [422, "currency_mismatch", { tagId, amount: 100, currency: "USD" }],
      [403, "terminal_wrong_stand", { tagId, amount: 100, currency: "EUR", standId: randomUUID() }],
      [400, "invalid_input", { tagId, amount: 1.5, currency: "EUR" }],
    ];
    for (const [status, code, body] of cases) {
      const res = await pay(t.api, c, { transferId: randomUUID(), ...body });
      assert.equal(res.status, status, `${code}: ${JSON.stringify(res.body)}`);
      if (status !== 400) assert.equal(res.body.code, code);
    }
    assert.equal(await transferCount(t.db, c.editionId), before, "nothing booked");
  });

  it("refuses a blocked band, an unknown or revoked terminal key, and a stand of another vendor", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 500);
    const owner = (await t.db("wristbands").where("id", bandId).first()).user_id;
    assert.equal(owner, null);
    // a fan links the band, then blocks it
    const fan = await createTestUser(t.db, { roles: ["fan"] });
    await expectStatus(t.api, 200, "POST", `/api/v1/editions/${c.editionId}/wristbands/link`, fan, { tagId });
    await expectStatus(t.api, 200, "POST", `/api/v1/wristbands/${bandId}/block`, fan);
    const blocked = await pay(t.api, c, { transferId: randomUUID(), tagId, amount: 100, currency: "EUR" });
    assert.equal(blocked.status, 422);
    assert.equal(blocked.body.code, "band_blocked");

    const noKey = await t.api.request("POST", "/api/v1/terminal/payments", { body: { transferId: randomUUID(), tagId, amount: 1, currency: "EUR" } });
    assert.equal(noKey.status, 401);
    const badKey = await pay(
      t.api,
      { terminal: { headers: { "x-terminal-key": "ftm_AAAAAAAAAAAA_" + "x".repeat(43) } } },
      { transferId: randomUUID(), tagId, amount: 1, currency: "EUR" },
    );
    assert.equal(badKey.status, 401);
    assert.equal(badKey.body.code, "invalid_terminal_key");

    const spare = await registerTerminal(t.api, c.owner, c.standId);
    await expectStatus(t.api, 204, "POST", `/api/v1/terminals/${spare.id}/revoke`, c.owner);
    const revoked = await pay(t.api, { terminal: spare }, { transferId: randomUUID(), tagId, amount: 1, currency: "EUR" });
    assert.equal(revoked.status, 401);
  });

  it("a terminal of another vendor cannot charge for this stand; a user token is not a terminal", async () => {
    const { tagId } = await fundedBand(t.api, c, 500);
    const other = await expectStatus(t.api, 201, "POST", `/api/v1/editions/${c.editionId}/vendors`, c.owner, { name: "Beer" });
    const otherStand = await expectStatus(t.api, 201, "POST", `/api/v1/vendors/${other.id}/stands`, c.owner, { name: "Bar" });
    const otherTerminal = await registerTerminal(t.api, c.owner, otherStand.id);
    const res = await pay(t.api, { terminal: otherTerminal }, { transferId: randomUUID(), tagId, amount: 100, currency: "EUR", standId: c.standId });
    assert.equal(res.status, 403);
    assert.equal(res.body.code, "terminal_wrong_stand");
    await expectProblem(t.api, { status: 401, code: "terminal_key_missing" }, "POST", "/api/v1/terminal/payments", c.owner, {
      transferId: randomUUID(),
      tagId,
      amount: 100,
      currency: "EUR",
    });
  });

  it("concurrent charges from many terminals on one band never overdraft it: exactly the successful ones are booked", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 1_000);
    const terminals = [c.terminal, ...(await Promise.all([1, 2, 3].map(() => registerTerminal(t.api, c.owner, c.standId))))];
    const attempts = 30; // 30 x 70 = 2,100 asked of 1,000: at most 14 fit
    const results = await Promise.all(
      Array.from({ length: attempts }, (_, i) =>
        pay(t.api, { terminal: terminals[i % terminals.length]! }, { transferId: randomUUID(), tagId, amount: 70, currency: "EUR" }),
      ),
    );
    const ok = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 422);
    assert.equal(ok.length + refused.length, attempts, JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 422).map((r) => r.body)));
    assert.ok(refused.every((r) => r.body.code === "insufficient_balance"));
    assert.equal(ok.length, 14);
    const band = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(band.balance, 1_000 - 14 * 70);
    const payments = await t.db("ledger_transfers").where({ wristband_id: bandId, type: "PAYMENT" });
    assert.equal(payments.length, ok.length, "exactly the successful charges are booked");
    assert.deepEqual(new Set(payments.map((p) => p.id)), new Set(ok.map((r) => r.body.transferId)));
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });

  it("the same transfer id sent twice at once is booked once", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 1_000);
    const transferId = randomUUID();
    const results = await Promise.all(Array.from({ length: 6 }, () => pay(t.api, c, { transferId, tagId, amount: 100, currency: "EUR" })));
    assert.ok(
      results.every((r) => r.status === 201),
      JSON.stringify(results.map((r) => r.body)),
    );
    assert.equal(results.filter((r) => !r.body.replayed).length, 1);
    const band = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(band.balance, 900);
  });

  it("a batch of payments in one statement: each refused one alone, duplicates replayed, the rest booked", async () => {
    const { tagId, bandId } = await fundedBand(t.api, c, 500);
    const other = await fundedBand(t.api, c, 500);
    const row = await t.db("vendor_terminals").where("id", c.terminal.id).first();
    const terminal = { terminalId: row.id, standId: row.stand_id, vendorId: row.vendor_id, editionId: row.edition_id, signingPublicKey: null };
    const batcher = new PaymentBatcher(t.db);
    const repeated = randomUUID();
    const inputs = [
      ...Array.from({ length: 10 }, () => ({ transferId: randomUUID(), tagId, amount: 70, currency: "EUR" })),
      { transferId: repeated, tagId: other.tagId, amount: 100, currency: "EUR" },
      { transferId: repeated, tagId: other.tagId, amount: 100, currency: "EUR" },
      { transferId: repeated, tagId: other.tagId, amount: 101, currency: "EUR" },
      { transferId: randomUUID(), tagId: newTag(), amount: 1, currency: "EUR" },
      { transferId: randomUUID(), tagId, amount: 1, currency: "USD" },
    ];
    // all in the same event-loop turn: one batch
    const results = await Promise.allSettled(inputs.map((input) => batcher.charge(terminal, input)));
    const codes = results.map((r) => (r.status === "fulfilled" ? (r.value.replayed ? "replayed" : "booked") : (r.reason as { code: string }).code));
    assert.deepEqual(codes, [
      ...Array.from({ length: 7 }, () => "booked"),
      ...Array.from({ length: 3 }, () => "insufficient_balance"),
      "booked",
      "replayed",
      "transfer_id_conflict",
      "unknown_band",
      "currency_mismatch",
    ]);
    const band = await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${bandId}`, c.owner);
    assert.equal(band.balance, 500 - 7 * 70);
    assert.equal((await expectStatus(t.api, 200, "GET", `/api/v1/wristbands/${other.bandId}`, c.owner)).balance, 400);
    const times = await t
      .db("ledger_transfers")
      .whereIn("wristband_id", [bandId, other.bandId])
      .where("type", "PAYMENT")
      .select(t.db.raw("created_at::text as at"));
    assert.equal(times.length, 8);
    assert.equal(new Set(times.map((r) => r.at)).size, 1, "one statement, one transaction: the batch");
    assert.deepEqual(await ledgerDifferences(t.db), []);
  });
});
