import assert from "node:assert/strict";
import type { Knex } from "../../lib/database.js";
import type { Indexer } from "../../indexer/src/indexer.js";
import { testDatabase } from "../support/database.js";
import { ETH, startTestChain, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, resetMirror, startIndexer, syncedTo } from "./support/mirror.js";
import { buy, runScenario } from "./support/scenario.js";

describe("indexer: the mirror equals the chain", function () {
  let t: TestChain;
  let db: Knex;
  let indexer: Indexer | undefined;

  before(async function () {
    this.timeout(120_000);
    [t, db] = await Promise.all([startTestChain(), testDatabase()]);
    await resetMirror(db, t.chainId);
  });
  after(async function () {
    await indexer?.stop();
    await t?.stop();
  });

  it("backfills a scripted scenario, then follows new blocks in realtime", async function () {
    const { a, b } = await runScenario(t);
    indexer = await startIndexer(t); // backfill: everything happened before it started
    await syncedTo(t, indexer);
    const counts = await assertMirrorEqualsChain(db, t);
    assert.equal(counts.tickets, 13, `checked ${counts.tickets} tickets`);

    const event = await db("chain_events").where({ chain_id: t.chainId, ticket_address: b.ticket }).first();
    assert.equal(event.cancelled, true);
    const refundStates = (await db("chain_tickets").where({ chain_id: t.chainId, contract_address: b.ticket }).orderBy("token_id")).map((r) => r.refund_state);
    assert.deepEqual(refundStates, ["refunded", "refundable", "refundable"]);
    const contracts = await db("smart_contracts").where({ chain_id: t.chainId }).orderBy("deployment_block_number");
    assert.deepEqual(contracts.map((c) => c.kind).sort(), ["event_ticket", "event_ticket", "factory", "revenue_split", "revenue_split"]);
    assert.equal(contracts.find((c) => c.address === b.ticket).status, "cancelled");
    assert.equal(contracts.find((c) => c.address === a.ticket).status, "settled");

    // refunds and claims name who was paid; a listing carries the royalty its sale keeps
    const [, , artist, , fan1, , , fan4] = t.accounts.map((x) => x.toLowerCase());
    const refund = await db("chain_refunds").where({ chain_id: t.chainId, contract_address: b.ticket }).first();
    assert.deepEqual([refund.holder, refund.paid_to], [fan1, fan4]);
    const claims = await db("chain_split_claims").where({ chain_id: t.chainId, contract_address: a.split }).orderBy("block_number");
    assert.deepEqual(claims.map((c) => [c.payee, c.paid_to]).slice(0, 1), [[artist, fan4]]);
    const listed = await db("chain_resales").where({ chain_id: t.chainId, contract_address: a.ticket, kind: "listed" });
    for (const l of listed) assert.equal(BigInt(l.royalty), (BigInt(l.price) * 500n) / 10_000n);

    // every handled log's transaction is mirrored, with gas and status
    // (this scenario's contracts only: the test database is shared with other files' chains, all 31337)
    const missing = await db.raw(
      `select count(*)::int as n from chain_ticket_transfers x
        left join chain_transactions tx on tx.chain_id = x.chain_id and tx.hash = x.tx_hash
        where x.chain_id = ? and x.contract_address in (?, ?) and tx.hash is null`,
      [t.chainId, a.ticket, b.ticket],
    );
    assert.equal(missing.rows[0].n, 0);
    const tx = await db("chain_transactions").where({ chain_id: t.chainId }).first();
    assert.ok(BigInt(tx.gas_used) > 0n && tx.status === "success");

    // outbox: one fact per log, final at once (confirmations 0)
    const facts = await db("outbox").where({ chain_id: t.chainId }).select("topic");
    for (const topic of [
      "event.created",
      "ticket.purchased",
      "ticket.comped",
      "ticket.transferred",
      "resale.completed",
      "ticket.checked_in",
      "event.cancelled",
      "ticket.refunded",
      "event.settled",
      "split.claimed",
    ]) {
      assert.ok(
        facts.some((f) => f.topic === topic),
        `outbox has ${topic}`,
      );
    }

    // jsonb payloads: objects, bigints as decimal strings, addresses lowercase
    const purchased = await db("outbox").where({ chain_id: t.chainId, topic: "ticket.purchased", contract_address: b.ticket }).orderBy("block_number").first();
    assert.deepEqual(
      { ...purchased.payload, buyer: undefined, to: undefined, txHash: undefined },
      {
        chainId: t.chainId,
        contract: b.ticket,
        eventId: b.eventId.toString(),
        tierId: "1",
        quantity: "2",
        firstTokenId: "1000001",
        unitPrice: (2n * 10n ** 15n).toString(),
        currency: ETH,
        buyer: undefined,
        to: undefined,
        txHash: undefined,
      },
    );
    assert.equal(purchased.payload.txHash, purchased.tx_hash);
    const creation = await db("chain_event_creations").where({ chain_id: t.chainId, ticket_address: b.ticket }).first();
    assert.equal(creation.config.name, "Festival");

    // realtime: a new purchase shows up within the poll interval
    const head = await t.client.getBlockNumber({ cacheTime: 0 });
    const c = await createEventAndBuy(t);
    await indexer.waitForBlock(head + 1n);
    await syncedTo(t, indexer);
    assert.ok(await db("chain_tickets").where({ chain_id: t.chainId, contract_address: c }).first());
    await assertMirrorEqualsChain(db, t);
  });
});

async function createEventAndBuy(t: TestChain): Promise<string> {
  const { createEvent } = await import("./support/platform.js");
  const e = await createEvent(t, { organizer: t.accounts[1]!, endsIn: 10_000_000 });
  await buy(t, e, t.accounts[6]!, 1n, 4n);
  return e.ticket;
}
