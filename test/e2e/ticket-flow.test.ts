import assert from "node:assert/strict";
import pg from "pg";
import { connectChain } from "../../lib/chain.js";
import { loadConfig } from "../../lib/config.js";
import { createKnex, type Knex } from "../../lib/database.js";
import { createLogger } from "../../lib/logger.js";
import { migrateLatest } from "../../lib/migrate.js";
import { freePort } from "../../lib/net.js";
import { createIndexer, type Indexer } from "../../indexer/src/indexer.js";
import { createCheckInAnchor, type CheckInAnchor } from "../../backend/src/modules/gate/anchor.js";
import { scannerAccount } from "../../backend/src/modules/gate/keys.js";
import { deployPlatform } from "../../scripts/support/deploy.js";
import { startLocalChain, type LocalChain } from "../../scripts/support/local-chain.js";
import { runTicketStory, type StoryResult } from "../../scripts/support/ticket-story.js";
import { testDatabaseUrl } from "../support/database.js";
import { startTestApi, type TestApi } from "../support/http.js";

/**
 * The whole flow against real parts: a Hardhat node with the platform deployed by Ignition,
 * a fresh Postgres database, the real indexer (a test may import both backend and indexer;
 * the backend itself never does), the real API and the real anchor loop.
 */
describe("e2e: deploy, buy, mirror, sign in, pass, gate, anchor", function () {
  this.timeout(300_000);
  let chain: LocalChain;
  let indexer: Indexer;
  let api: TestApi;
  let anchor: CheckInAnchor;
  let db: Knex;
  let dropDatabase: () => Promise<void>;
  let result: StoryResult;

  before(async () => {
    chain = await startLocalChain({ port: await freePort() });
    const { client, chainId } = await connectChain(chain.url);
    const deployment = await deployPlatform({ rpcUrl: chain.url, chainId, client });

    // A database of its own: other test files mirror other nodes that also have chain id 31337.
    const serverUrl = await testDatabaseUrl();
    const name = `festival_e2e_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    db = createKnex(url.toString(), { min: 0, max: 10 });
    await migrateLatest(db);
    dropDatabase = async () => {
      await db.destroy();
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists "${name}" with (force)`);
      await c.end();
    };

    const log = createLogger("e2e", process.env.TEST_LOG_LEVEL ?? "silent");
    indexer = createIndexer({
      rpcUrl: chain.url,
      databaseUrl: url.toString(),
      factoryAddress: deployment.factory,
      deployBlock: deployment.deployBlock,
      confirmations: 0,
      pollIntervalMs: 100,
      log,
      progressBar: false,
    });
    void indexer.run();

    const config = loadConfig({ CHAIN_RPC_URL: chain.url, FACTORY_ADDRESS: deployment.factory, RATE_LIMIT_SIGNIN_PER_MINUTE: "1000" });
    api = await startTestApi(db, { config, chain: { client, chainId } });
    anchor = createCheckInAnchor({
      db,
      client,
      chainId,
      rpcUrl: chain.url,
      scanner: scannerAccount(config, chainId)!,
      log,
      intervalMs: 1000,
      batchSize: 100,
      autoStart: false,
    });
    result = await runTicketStory({ api: api.base, rpcUrl: chain.url, db, config, say: () => {}, anchorNow: () => anchor.tick() });
  });

  after(async () => {
    await anchor?.stop();
    await api?.close();
    await indexer?.stop();
    await dropDatabase?.();
    await chain?.stop();
  });

  it("the fan sees the ticket the indexer mirrored, across her wallets", () => {
    assert.equal(result.myTickets.length, 1);
    const ticket = result.myTickets[0] as { tokenId: string; tierName: string; category: string; owner: string; transfers: unknown[] };
    assert.equal(ticket.tokenId, result.tokenId.toString());
    assert.equal(ticket.tierName, "STANDARD");
    assert.equal(ticket.category, "STANDARD");
    assert.equal(ticket.owner, result.fan.toLowerCase());
    assert.equal(ticket.transfers.length, 1); // the mint
  });

  it("the gate admits the holder's pass once and refuses the second scan", () => {
    assert.equal(result.firstScan.verdict, "admitted");
    assert.equal(result.firstScan.ownership, "mirror");
    assert.equal(result.secondScan.verdict, "already_admitted");
    assert.equal(result.platformPassScan.verdict, "already_admitted");
  });

  it("the check-in lands on-chain, and the ticket can no longer be transferred", async () => {
    assert.ok(result.checkInTx);
    assert.equal(result.onChainCheckedIn, true);
    assert.equal(result.transferRevert, "EventTicketCheckedInLocked");
    const row = await db("gate_check_ins").where({ contract_address: result.ticketAddress.toLowerCase(), token_id: result.tokenId.toString() }).first();
    assert.equal(row.anchor_status, "anchored");
    await anchor.tick();
    const confirmed = await db("gate_check_ins").where({ id: row.id }).first();
    assert.ok(confirmed.confirmed_at, "the mirror's CheckedIn confirms the anchor");
  });

  it("organizers see sales, holders and check-ins per tier from the mirror", async () => {
    const res = await api.get(`/api/v1/event-contracts/${result.eventContractId}/tiers`, { authorization: `Bearer ${result.organizerToken}` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [standard, vip] = res.body.items;
    assert.equal(standard.category, "STANDARD");
    assert.equal(standard.onChain.sold, "1");
    assert.equal(standard.onChain.revenue, (50_000_000_000_000_000n).toString());
    assert.equal(standard.holders, 1);
    assert.equal(standard.checkedInOnChain, 1);
    assert.equal(standard.admittedAtGate, 1);
    assert.deepEqual(vip.zones, ["vip-deck"]);
    assert.equal(vip.onChain.sold, "0");
  });
});
