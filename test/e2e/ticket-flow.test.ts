import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createWalletClient, http, parseEther, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { chainDefinition, connectChain } from "../../lib/chain.js";
import { loadConfig } from "../../lib/config.js";
import type { Knex } from "../../lib/database.js";
import { createLogger } from "../../lib/logger.js";
import { freePort } from "../../lib/net.js";
import { createIndexer, type Indexer } from "../../indexer/src/indexer.js";
import { startLinkResolver, type LinkResolver } from "../../backend/src/modules/event-contracts/links.js";
import { createCheckInAnchor, type CheckInAnchor } from "../../backend/src/modules/gate/anchor.js";
import { runMailJobsOnce } from "../../backend/src/modules/mail/jobs.js";
import { fileTransport } from "../../backend/src/modules/mail/transport.js";
import { waitForMail } from "../../scripts/support/mailbox.js";
import { scannerAccount } from "../../lib/chain-accounts.js";
import { encodePass, signPass } from "../../backend/src/modules/gate/pass.js";
import { deployPlatform } from "../../scripts/support/deploy.js";
import { startLocalChain, type LocalChain } from "../../scripts/support/local-chain.js";
import { runTicketStory, type StoryResult } from "../../scripts/support/ticket-story.js";
import { isolatedTestDatabase } from "../support/database.js";
import { Webhook } from "standardwebhooks";
import { DataBox } from "../../backend/src/security/encryption.js";
import { deliverDueOnce } from "../../backend/src/modules/webhooks/dispatch.js";
import { consumeOutbox } from "../../backend/src/modules/webhooks/outbox-consumer.js";
import { startReceiver } from "../backend/webhooks/receiver.js";
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
  let links: LinkResolver;
  let db: Knex;
  let dropDatabase: () => Promise<void>;
  let result: StoryResult;
  let mailDir: string | undefined;
  let webhookDeps: Parameters<typeof deliverDueOnce>[0];

  before(async () => {
    chain = await startLocalChain({ port: await freePort() });
    const { client, chainId } = await connectChain(chain.url);
    const deployment = await deployPlatform({ rpcUrl: chain.url, chainId, client });

    // A database of its own: other test files mirror other nodes that also have chain id 31337.
    const isolated = await isolatedTestDatabase("festival_e2e");
    db = isolated.db;
    dropDatabase = isolated.drop;

    const log = createLogger("e2e", process.env.TEST_LOG_LEVEL ?? "silent");
    indexer = createIndexer({
      rpcUrl: chain.url,
      databaseUrl: isolated.url,
      factoryAddress: deployment.factory,
      deployBlock: deployment.deployBlock,
      confirmations: 0,
      pollIntervalMs: 100,
      log,
      progressBar: false,
    });
    void indexer.run();

    const config = loadConfig({
      CHAIN_RPC_URL: chain.url,
      FACTORY_ADDRESS: deployment.factory,
      RATE_LIMIT_SIGNIN_PER_MINUTE: "1000",
      WEBHOOKS_ALLOW_PRIVATE_TARGETS: "true",
    });
    webhookDeps = {
      db,
      box: new DataBox(config.dataEncryptionKey),
      egress: { allowPrivate: true, timeoutMs: 2000, maxResponseBytes: 1024 },
    };
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
    // the API process's link resolver (server.ts), at a test's pace
    links = startLinkResolver({ db, config, chain: { client, chainId }, log, intervalMs: 100 });
    // mail as the API's worker delivers it without SMTP_URL: .eml files, read by the recipient
    const dir = (mailDir = mkdtempSync(path.join(tmpdir(), "festival-e2e-mail-")));
    const readMail = async (to: string) => {
      await runMailJobsOnce({ connectionString: isolated.url, db, transport: fileTransport(dir), settings: config.mail });
      return waitForMail(dir, to, 5000);
    };
    result = await runTicketStory({ api: api.base, rpcUrl: chain.url, db, config, say: () => {}, readMail, anchorNow: () => anchor.tick() });
  });

  after(async () => {
    await anchor?.stop();
    await links?.stop();
    await api?.close();
    await indexer?.stop().catch(() => {});
    await dropDatabase?.();
    await chain?.stop();
    if (mailDir) rmSync(mailDir, { recursive: true, force: true });
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
    assert.equal(standard.onChain.revenue, 50_000_000_000_000_000n.toString());
    assert.equal(standard.holders, 1);
    assert.equal(standard.checkedInOnChain, 1);
    assert.equal(standard.admittedAtGate, 1);
    assert.deepEqual(vip.zones, ["vip-deck"]);
    assert.equal(vip.onChain.sold, "0");
  });

  it("the indexer's finalized facts reach the organizer's webhook endpoint, signed, once each", async () => {
    const receiver = await startReceiver();
    try {
      const { organization_id: organizationId } = await db("festivals").where({ id: result.festivalId }).first("organization_id");
      const endpoint = await api.post(
        `/api/v1/organizations/${organizationId}/webhook-endpoints`,
        { url: `${receiver.url}/festival`, eventTypes: ["ticket.purchased", "ticket.checked_in"] },
        { authorization: `Bearer ${result.organizerToken}` },
      );
      assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
      // the API process's outbox consumer and delivery worker (server.ts), at a test's pace
      while ((await consumeOutbox(db)) > 0);
      await deliverDueOnce(webhookDeps);
      const bodies = receiver.received.map(
        (r) =>
          new Webhook(endpoint.body.secret).verify(r.body, r.headers as Record<string, string>) as {
            type: string;
            data: { firstTokenId: string; quantity: string; contract: string };
          },
      );
      const purchased = bodies.filter((b) => b.type === "ticket.purchased");
      assert.equal(purchased.length, 1);
      assert.equal(purchased[0]!.data.firstTokenId, result.tokenId.toString());
      assert.equal(purchased[0]!.data.quantity, "1");
      assert.equal(purchased[0]!.data.contract, result.ticketAddress.toLowerCase());
      assert.equal(bodies.filter((b) => b.type === "ticket.checked_in").length, 1);
      while ((await consumeOutbox(db)) > 0);
      await deliverDueOnce(webhookDeps);
      assert.equal(receiver.received.length, bodies.length, "consumed again, nothing is delivered twice");
    } finally {
      await receiver.close();
    }
  });

  it("on a local chain, the platform's deployer account can create the event for the organizer", async () => {
    const headers = { authorization: `Bearer ${result.organizerToken}` };
    const now = Math.floor(Date.now() / 1000);
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const prepared = await api.post(
      `/api/v1/festivals/${result.festivalId}/event-contracts`,
      {
        deployWith: "server",
        name: "Sunrise Afterparty",
        symbol: "SUNAP",
        startsAt: iso(now),
        endsAt: iso(now + 86_400),
        zones: [{ code: "door", name: "Door", kind: "entrance" }],
        tiers: [{ name: "GA", price: "1000", supply: 10, saleStart: iso(now - 60), saleEnd: iso(now + 3600) }],
      },
      headers,
    );
    assert.equal(prepared.status, 201, JSON.stringify(prepared.body));
    const deployed = await api.post(`/api/v1/event-contracts/${prepared.body.id}/deploy`, undefined, headers);
    assert.equal(deployed.status, 200, JSON.stringify(deployed.body));
    assert.ok(deployed.body.deployTxHash);
    assert.equal(deployed.body.scannerGranted, true);
    const deadline = Date.now() + 30_000;
    let link = deployed.body;
    while (link.status !== "linked" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      link = (await api.get(`/api/v1/event-contracts/${prepared.body.id}`, headers)).body;
    }
    assert.equal(link.status, "linked");
    assert.equal(link.grantScannerCall, null);
  });

  it("when the mirror lags, the gate asks the chain who holds the ticket", async () => {
    await indexer.stop(); // the mirror stops here
    const { client } = await connectChain(chain.url);
    const chainDef = chainDefinition(31337, chain.url);
    const [funder] = (await client.request({ method: "eth_accounts" } as never)) as `0x${string}`[];
    const seller = privateKeyToAccount(generatePrivateKey());
    const buyer = privateKeyToAccount(generatePrivateKey());
    const funderWallet = createWalletClient({ account: funder!, chain: chainDef, transport: http(chain.url) });
    await client.waitForTransactionReceipt({ hash: await funderWallet.sendTransaction({ to: seller.address, value: parseEther("1") }) });
    const sellerWallet = createWalletClient({ account: seller, chain: chainDef, transport: http(chain.url) });
    const buy = await sellerWallet.writeContract({
      address: result.ticketAddress,
      abi: eventTicketAbi,
      functionName: "purchase",
      args: [1n, 1n, seller.address],
      value: parseEther("0.05"),
    });
    const [purchased] = parseEventLogs({
      abi: eventTicketAbi,
      eventName: "TicketPurchased",
      logs: (await client.waitForTransactionReceipt({ hash: buy })).logs,
    });
    const tokenId = purchased!.args.firstTokenId;
    await client.waitForTransactionReceipt({
      hash: await sellerWallet.writeContract({
        address: result.ticketAddress,
        abi: eventTicketAbi,
        functionName: "transferFrom",
        args: [seller.address, buyer.address, tokenId],
      }),
    });
    await client.request({ method: "hardhat_mine", params: ["0x10"] } as never);
    await new Promise((r) => setTimeout(r, 1100)); // the gate's lag reading is cached for a second

    const pass = async (signer: typeof seller) =>
      encodePass(
        await signPass(
          signer,
          { chainId: 31337, contract: result.ticketAddress, tokenId, holder: signer.address, validUntil: Math.floor(Date.now() / 1000) + 30, nonce: 1n },
          "holder",
        ),
      );
    const headers = { authorization: `Bearer ${result.stewardToken}` };
    const old = await api.post("/api/v1/gate/scan", { payload: await pass(seller), zoneId: result.gateZoneId }, headers);
    assert.equal(old.body.verdict, "not_holder", JSON.stringify(old.body));
    assert.equal(old.body.ownership, "chain");
    const current = await api.post("/api/v1/gate/scan", { payload: await pass(buyer), zoneId: result.gateZoneId }, headers);
    assert.equal(current.body.verdict, "admitted", JSON.stringify(current.body));
    assert.equal(current.body.ownership, "chain");
    assert.equal(await db("chain_tickets").where({ contract_address: result.ticketAddress.toLowerCase(), token_id: tokenId.toString() }).first(), undefined);
  });
});
