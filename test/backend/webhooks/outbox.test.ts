import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { loadConfig } from "../../../lib/config.js";
import { newId } from "../../../lib/ids.js";
import { DataBox } from "../../../backend/src/security/encryption.js";
import { deliverDueOnce } from "../../../backend/src/modules/webhooks/dispatch.js";
import { consumeOutbox } from "../../../backend/src/modules/webhooks/outbox-consumer.js";
import { expectStatus, useTestApi } from "../../support/api-suite.js";
import { CHAIN_ID, seedEvent } from "../gate/fixtures.js";
import { startReceiver } from "./receiver.js";

const config = loadConfig({ WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true" });
let block = 1_000_000;

describe("webhooks: the outbox consumer", () => {
  const t = useTestApi({ config });
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  before(async () => {
    receiver = await startReceiver();
  });
  after(() => receiver.close());

  /** Facts as the indexer leaves them in the outbox once their block is final. */
  const finalize = async (contract: string, facts: Array<{ topic: string; payload: Record<string, unknown> }>) => {
    const blockNumber = ++block;
    const blockHash = `0x${blockNumber.toString(16).padStart(64, "0")}`;
    const rows = facts.map((f, i) => ({
      id: newId(),
      chain_id: CHAIN_ID,
      block_number: blockNumber,
      block_hash: blockHash,
      log_index: i,
      tx_hash: `0x${"cd".repeat(32)}`,
      contract_address: contract,
      topic: f.topic,
      payload: f.payload,
      block_timestamp: new Date(),
    }));
    await t.db("outbox").insert(rows);
    return rows;
  };
  const runJobs = () =>
    deliverDueOnce({
      db: t.db,
      box: new DataBox(config.dataEncryptionKey),
      egress: { allowPrivate: true, timeoutMs: 1000, maxResponseBytes: 1024 },
    });
  const drain = async () => {
    let total = 0;
    for (let n = await consumeOutbox(t.db); n > 0; n = await consumeOutbox(t.db)) total += n;
    return total;
  };

  it("a finalized purchase of a linked event reaches its organization's endpoint once, signed, with the chain coordinates", async () => {
    const event = await seedEvent(t.db);
    const endpoint = await expectStatus(t.api, 201, "POST", `/api/v1/organizations/${event.organizationId}/webhook-endpoints`, event.organizer, {
      url: `${receiver.url}/chain`,
      eventTypes: ["ticket.purchased", "payout.claimed"],
    });
    const [fact] = await finalize(event.contract, [
      {
        topic: "ticket.purchased",
        payload: { firstTokenId: "1000001", quantity: "1", buyer: "0x00000000000000000000000000000000000000b1", unitPrice: "1000" },
      },
      { topic: "tier.created", payload: { tierId: "1" } }, // consumed, but no webhook type
    ]);
    await drain();
    assert.equal(await drain(), 0, "acknowledged: a second pass finds nothing");
    const acked = await t.db("outbox").whereIn("id", [fact!.id]).first();
    assert.ok(acked.delivered_at);
    await runJobs();
    const got = receiver.received.filter((r) => r.path === "/chain");
    assert.equal(got.length, 1);
    const body = new Webhook(endpoint.secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    assert.equal(body.type, "ticket.purchased");
    assert.equal(body.data.firstTokenId, "1000001");
    assert.equal(body.data.chainId, CHAIN_ID);
    assert.equal(body.data.contract, event.contract);
    assert.equal(body.data.transactionHash, fact!.tx_hash);
  });

  it("consumed again after a crash (the same fact back in the outbox unacknowledged), it is published once with the same webhook-id", async () => {
    const event = await seedEvent(t.db);
    await expectStatus(t.api, 201, "POST", `/api/v1/organizations/${event.organizationId}/webhook-endpoints`, event.organizer, {
      url: `${receiver.url}/crash`,
      eventTypes: ["ticket.transferred"],
    });
    const [fact] = await finalize(event.contract, [{ topic: "ticket.transferred", payload: { tokenId: "1000002" } }]);
    await drain();
    await t.db("outbox").where({ id: fact!.id }).update({ delivered_at: null }); // as if the acknowledgement had been lost
    await drain();
    const messages = await t.db("webhook_messages").where({ source_key: `outbox:${CHAIN_ID}:${fact!.block_hash}:0` });
    assert.equal(messages.length, 1);
  });

  it("two consumers at once publish every fact exactly once", async () => {
    const event = await seedEvent(t.db);
    const facts = [];
    for (let i = 0; i < 6; i++)
      facts.push(
        ...(await finalize(
          event.contract,
          Array.from({ length: 50 }, (_, j) => ({ topic: "ticket.checked_in", payload: { tokenId: String(i * 100 + j) } })),
        )),
      );
    await Promise.all([drain(), drain(), drain()]);
    const keys = facts.map((f) => `outbox:${CHAIN_ID}:${f.block_hash}:${f.log_index}`);
    const published = await t.db("webhook_messages").whereIn("source_key", keys).count<[{ count: string }]>({ count: "*" });
    assert.equal(Number(published[0]?.count), facts.length);
    const left = await t
      .db("outbox")
      .whereIn(
        "id",
        facts.map((f) => f.id),
      )
      .whereNull("delivered_at");
    assert.equal(left.length, 0);
  });

  it("a fact of a contract no festival has linked is acknowledged without a message", async () => {
    const [fact] = await finalize("0x00000000000000000000000000000000000000ee", [{ topic: "ticket.purchased", payload: { tokenId: "1" } }]);
    await drain();
    assert.ok((await t.db("outbox").where({ id: fact!.id }).first()).delivered_at);
    assert.equal((await t.db("webhook_messages").where({ source_key: `outbox:${CHAIN_ID}:${fact!.block_hash}:0` })).length, 0);
  });
});
