import assert from "node:assert/strict";
import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { EntranceBatcher } from "../../../backend/src/modules/gate/entrance-batcher.js";
import { testDatabase } from "../../support/database.js";
import { CHAIN_ID, createFan, seedEvent, seedTicket, type SeededEvent } from "./fixtures.js";

describe("gate: grouped admission at plain entrances", () => {
  let db: Knex;
  let event: SeededEvent;
  before(async () => {
    db = await testDatabase();
    event = await seedEvent(db);
  });

  // every scan shows its own pass (nonce): the same nonce from the same scanner would be one scan sent again
  let nonce = 0;
  const values = (tokenId: bigint, holder: string, scannerUserId = event.scanner.userId) =>
    [
      CHAIN_ID,
      event.contract,
      tokenId.toString(),
      holder,
      newId(),
      event.eventContractId,
      event.zones.gate,
      scannerUserId,
      "device-1",
      String(++nonce),
      new Date(),
      newId(),
    ] as Parameters<EntranceBatcher["admit"]>[0];

  it("admits each ticket exactly once when its scans share a batch, and decides every refusal as the single statement does", async () => {
    const batcher = new EntranceBatcher(db);
    const fan = await createFan(db, "Grace");
    const other = await createFan(db);
    const tickets = await Promise.all(Array.from({ length: 10 }, () => seedTicket(db, event, fan.address)));
    const refunded = await seedTicket(db, event, fan.address, { refundState: "refunded" });
    const refundable = await seedTicket(db, event, fan.address, { refundState: "refundable" });
    const transferred = await seedTicket(db, event, other.address);
    const unknown = 1_000_000n + 888_888n;
    const enteredBefore = await seedTicket(db, event, fan.address);
    assert.equal((await batcher.admit(values(enteredBefore, fan.address))).verdict, "admitted"); // a batch of one

    // all submitted in one tick: they go to the database as one statement
    const jobs = [
      ...tickets.flatMap((t) => [values(t, fan.address), values(t, fan.address), values(t, fan.address)]),
      values(refunded, fan.address),
      values(refundable, fan.address),
      values(transferred, fan.address),
      values(unknown, fan.address),
      values(enteredBefore, fan.address),
    ];
    const out = await Promise.all(jobs.map((v) => batcher.admit(v)));
    for (let i = 0; i < tickets.length; i++) {
      const verdicts = out
        .slice(i * 3, i * 3 + 3)
        .map((o) => o.verdict)
        .sort();
      assert.deepEqual(verdicts, ["admitted", "already_admitted", "already_admitted"]);
    }
    assert.deepEqual(
      out.slice(30).map((o) => o.verdict),
      ["refunded", "cancelled", "not_holder", "unknown_ticket", "already_admitted"],
    );
    assert.equal(out[0]!.displayName, "Grace");

    const checkIns = await db("gate_check_ins").whereIn("token_id", tickets.map(String)).count<{ count: string }[]>("* as count");
    assert.equal(Number(checkIns[0]!.count), 10);
    const logged = await db("gate_scans")
      .whereIn(
        "id",
        jobs.map((v) => v[11]),
      )
      .select("id", "verdict");
    assert.equal(logged.length, jobs.length, "every scan has its own access-log row");
    const byId = new Map(logged.map((r) => [r.id, r.verdict]));
    jobs.forEach((v, i) => assert.equal(byId.get(v[11]), out[i]!.verdict));
  });

  it("a failing scan does not fail the others of its batch (each is retried alone)", async () => {
    const batcher = new EntranceBatcher(db);
    const fan = await createFan(db);
    const good = await Promise.all(Array.from({ length: 3 }, () => seedTicket(db, event, fan.address)));
    const bad = values(await seedTicket(db, event, fan.address), fan.address, newId()); // scanner user does not exist: FK violation
    const results = await Promise.allSettled([...good.map((t) => batcher.admit(values(t, fan.address))), batcher.admit(bad)]);
    assert.deepEqual(
      results.slice(0, 3).map((r) => r.status === "fulfilled" && r.value.verdict),
      ["admitted", "admitted", "admitted"],
    );
    assert.equal(results[3]!.status, "rejected");
  });

  it("two processes admitting one ticket at once: a copy of the admitting scan is admitted again, another scan is refused", async () => {
    const fan = await createFan(db);
    for (const sameScan of [true, false]) {
      const tokenId = await seedTicket(db, event, fan.address);
      const first = values(tokenId, fan.address);
      const copy = [...first] as typeof first;
      copy[4] = newId(); // its own check-in and scan ids, as a second request would have
      copy[11] = newId();
      if (!sameScan) copy[9] = String(++nonce);
      const out = await Promise.all([new EntranceBatcher(db).admit(first), new EntranceBatcher(db).admit(copy)]);
      assert.deepEqual(out.map((o) => o.verdict).sort(), sameScan ? ["admitted", "admitted"] : ["admitted", "already_admitted"]);
      assert.equal((await db("gate_check_ins").where({ token_id: tokenId.toString() })).length, 1);
      const logged = await db("gate_scans").where({ token_id: tokenId.toString() }).pluck("verdict");
      assert.deepEqual(logged.sort(), sameScan ? ["admitted"] : ["admitted", "already_admitted"]);
    }
  });
});
