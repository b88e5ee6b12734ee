import assert from "node:assert/strict";
import { pino } from "pino";
import type { Knex } from "../../lib/database.js";
import { newId } from "../../lib/ids.js";
import type { Indexer } from "../../indexer/src/indexer.js";
import { createTestFestival, createTestOrganization } from "../support/auth.js";
import { isolatedTestDatabase } from "../support/database.js";
import { createEvent, startTestChain, type CreatedEvent, type TestChain } from "./support/platform.js";
import { assertMirrorEqualsChain, assertOnCanonicalChain, startIndexer, syncedTo } from "./support/mirror.js";
import { buy } from "./support/scenario.js";

/**
 * `npm start` twice: the embedded database keeps the mirror of the first local chain, the
 * second Hardhat node is a new chain with the same chain id, the same contract addresses and
 * the same token ids. The indexer must see that, say so, and mirror the new chain.
 */
describe("indexer: a new local chain under a previous chain's mirror", function () {
  this.timeout(180_000);
  let db: Knex;
  let url: string;
  let drop: () => Promise<void>;
  const chains: TestChain[] = [];
  const indexers: Indexer[] = [];

  before(async () => {
    ({ db, url, drop } = await isolatedTestDatabase("festival_new_chain"));
  });
  after(async () => {
    for (const indexer of indexers) await indexer.stop();
    for (const chain of chains) await chain.stop();
    await db?.destroy();
    await drop?.();
  });

  async function chainWithSale(): Promise<{ t: TestChain; e: CreatedEvent; tokenId: bigint }> {
    const t = await startTestChain();
    chains.push(t);
    const e = await createEvent(t, { organizer: t.accounts[1]!, payees: [{ account: t.accounts[2]!, shareBps: 2000 }] });
    const tokenId = await buy(t, e, t.accounts[3]!, 1n, 1n);
    return { t, e, tokenId };
  }

  it("discards the old chain's mirror and event contracts, logs one line, and mirrors the new chain", async () => {
    // first run: mirrored, linked to a festival, one ticket admitted at the gate
    const first = await chainWithSale();
    const before = await startIndexer(first.t, { databaseUrl: url });
    indexers.push(before);
    await syncedTo(first.t, before);
    const { organizationId } = await createTestOrganization(db);
    const { festivalId } = await createTestFestival(db, organizationId);
    const eventContractId = newId();
    await db("event_contracts").insert({
      id: eventContractId,
      festival_id: festivalId,
      chain_id: first.t.chainId,
      factory_address: first.t.factory.toLowerCase(),
      organizer_address: first.t.accounts[1]!.toLowerCase(),
      status: "linked",
      name: "First run",
      config: JSON.stringify({}),
      chain_event_id: first.e.eventId.toString(),
      ticket_address: first.e.ticket.toLowerCase(),
      split_address: first.e.split.toLowerCase(),
      linked_at: new Date(),
    });
    const zoneId = newId();
    await db("gate_zones").insert({
      id: zoneId,
      event_contract_id: eventContractId,
      code: "main-gate",
      name: "Main gate",
      kind: "entrance",
      capacity: null,
      allow_reentry: false,
    });
    await db("gate_scans").insert({
      id: newId(),
      event_contract_id: eventContractId,
      zone_id: zoneId,
      direction: "in",
      token_id: first.tokenId.toString(),
      verdict: "admitted",
      source: "online",
    });
    await db("gate_check_ins").insert({
      id: newId(),
      event_contract_id: eventContractId,
      chain_id: first.t.chainId,
      contract_address: first.e.ticket.toLowerCase(),
      token_id: first.tokenId.toString(),
      holder_address: first.t.accounts[3]!.toLowerCase(),
      source: "online",
    });
    await before.stop();
    indexers.pop();
    await first.t.stop();
    chains.pop();

    // second run: a new node, the same deployment addresses
    const second = await chainWithSale();
    assert.equal(second.t.factory, first.t.factory);
    assert.equal(second.e.ticket, first.e.ticket);
    const lines: Array<{ level: number; msg: string; eventContracts?: number }> = [];
    const log = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const after = await startIndexer(second.t, { databaseUrl: url, log });
    indexers.push(after);
    // the old cursor may stand at the same height: wait for the new chain's head block itself
    const head = await second.t.client.getBlock({ blockTag: "latest" });
    for (const deadline = Date.now() + 60_000; after.cursor?.hash !== head.hash;) {
      assert.ok(Date.now() < deadline, `indexer did not reach the new chain's head ${head.number}: ${JSON.stringify(lines)}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const said = lines.filter((l) => l.msg.includes("new local chain"));
    assert.equal(said.length, 1, JSON.stringify(lines));
    assert.equal(said[0]!.eventContracts, 1);
    assert.ok(!lines.some((l) => l.level >= 50), `no error logged: ${JSON.stringify(lines.filter((l) => l.level >= 50))}`);
    await assertMirrorEqualsChain(db, second.t);
    await assertOnCanonicalChain(db, second.t);
    const blocks = await db("chain_blocks").where({ chain_id: second.t.chainId }).orderBy("number").first("number");
    assert.equal(BigInt(blocks.number), second.t.deployBlock - 1n, "the mirror starts again on the factory's parent");
    // the old chain's link is discarded (its addresses kept as history), its check-in is gone,
    // the append-only scan log and the festival stay
    const discarded = await db("event_contracts").where({ id: eventContractId }).first();
    assert.equal(discarded.status, "discarded");
    assert.ok(discarded.discarded_at instanceof Date);
    assert.equal(discarded.ticket_address, null);
    assert.equal(discarded.discarded_chain.ticketAddress, first.e.ticket.toLowerCase());
    assert.equal(discarded.discarded_chain.status, "linked");
    assert.equal(await db("gate_check_ins").where({ event_contract_id: eventContractId }).first(), undefined);
    assert.equal((await db("gate_scans").where({ event_contract_id: eventContractId })).length, 1);
    assert.ok(await db("festivals").where({ id: festivalId }).first());
    // the new chain's contract at the same address can be linked
    await db("event_contracts").insert({
      id: newId(),
      festival_id: festivalId,
      chain_id: second.t.chainId,
      factory_address: second.t.factory.toLowerCase(),
      organizer_address: second.t.accounts[1]!.toLowerCase(),
      status: "linked",
      name: "Second run",
      config: JSON.stringify({}),
      chain_event_id: second.e.eventId.toString(),
      ticket_address: second.e.ticket.toLowerCase(),
      split_address: second.e.split.toLowerCase(),
      linked_at: new Date(),
    });
    // the new chain's token of the same id is not "already admitted"
    assert.equal(await db("gate_check_ins").where({ chain_id: second.t.chainId, token_id: second.tokenId.toString() }).first(), undefined);
    const status = await db("indexer_status").where({ chain_id: second.t.chainId }).first();
    assert.equal(status.state, "running");
  });
});
