import assert from "node:assert/strict";
import type { Address } from "viem";
import { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import { performanceConfirmerAccount } from "../../../lib/chain-accounts.js";
import { loadConfig } from "../../../lib/config.js";
import type { Knex } from "../../../lib/database.js";
import { newId } from "../../../lib/ids.js";
import type { Indexer } from "../../../indexer/src/indexer.js";
import { runContractJobsOnce } from "../../../backend/src/modules/artist-contracts/jobs.js";
import { performanceSendKey, sendPerformanceDecision } from "../../../backend/src/modules/artist-contracts/performance-chain.js";
import { expectProblem, expectStatus } from "../../support/api-suite.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { buildFestival, createPerformance } from "../../support/festival.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { startIndexer, syncedTo } from "../../indexer/support/mirror.js";
import { createEvent, startTestChain, type CreatedEvent, type TestChain } from "../../indexer/support/platform.js";
import { send } from "../../indexer/support/scenario.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

const FEE = 5n * 10n ** 14n;
const CONFIRMED = 2;
const CANCELLED = 3;
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * Paid on performance end to end: a performance decided in the back office (a production
 * manager, a check-in at the performance session, a cancelled session) is sent to the event's
 * RevenueSplit by the job with the platform's performance confirmer, on a real Hardhat node,
 * and the real indexer mirrors it.
 */
describe("back office: a decided performance is sent on-chain (confirmPerformance / cancelPerformance)", function () {
  this.timeout(120_000);
  let t: TestChain, db: Knex, url: string, drop: () => Promise<void>, api: TestApi, indexer: Indexer;
  let c: TestCompany, other: TestCompany, event: CreatedEvent, engagementId: string;
  let confirmer: Address;
  const payees: Address[] = [];
  const jobDeps = () => ({
    db,
    chain: { client: t.client, chainId: t.chainId },
    account: performanceConfirmerAccount(loadConfig({}), t.chainId),
    contracts: api.app.locals.contracts,
  });
  const runJobs = () => runContractJobsOnce({ connectionString: url, deps: jobDeps() });
  const statusOf = async (payee: Address) =>
    Number(await t.client.readContract({ address: event.split, abi: revenueSplitAbi, functionName: "performanceStatus", args: [payee] }));
  const base = () => `/api/v1/companies/${c.companyId}`;

  before(async function () {
    this.timeout(180_000);
    let isolated: Awaited<ReturnType<typeof isolatedTestDatabase>>;
    [t, isolated] = await Promise.all([startTestChain(), isolatedTestDatabase("festival_performance_chain")]);
    ({ db, url, drop } = isolated);
    const config = loadConfig({ CHAIN_RPC_URL: t.url, FACTORY_ADDRESS: t.factory, NODE_ENV: "test" });
    api = await startTestApi(db, { config, chain: { client: t.client, chainId: t.chainId } });
    confirmer = performanceConfirmerAccount(config, t.chainId)!.address.toLowerCase() as Address;
    const organizer = t.accounts[1]!;
    payees.push(...(t.accounts.slice(2, 7) as Address[]));
    event = await createEvent(t, { organizer, payees: payees.map((account) => ({ account, shareBps: 1000, fixedAmount: FEE })) });
    for (const payee of payees) await send(t, organizer, event.split, revenueSplitAbi, "requirePerformance", [payee]);
    // the organizer names the platform's confirmer in the split (what the contract authorises besides itself)
    await send(t, organizer, event.split, revenueSplitAbi, "setPerformanceConfirmer", [confirmer]);

    const f = await buildFestival(db, api);
    ({ engagementId } = await createPerformance(api, f, 0, "2025-07-04T20:00", "2025-07-04T21:00", "Headliner"));
    await db("event_contracts").insert({
      id: newId(),
      festival_id: f.festivalId,
      edition_id: f.editionId,
      chain_id: t.chainId,
      factory_address: t.factory,
      organizer_address: organizer,
      status: "linked",
      name: "Festival",
      config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
      ticket_address: event.ticket,
      split_address: event.split,
      linked_at: new Date(),
    });
    indexer = await startIndexer(t, { databaseUrl: url });
    [c, other] = await Promise.all([buildCompany(db, api, { name: "Chain A" }), buildCompany(db, api, { name: "Chain B" })]);
  });
  after(async () => {
    await indexer?.stop();
    await api?.close();
    await drop?.();
    await t?.stop();
  });

  async function production() {
    return (await expectStatus(api, 201, "POST", `${base()}/productions`, c.manager, { name: "Show", startsOn: day(-1), endsOn: day(30) })).id as string;
  }
  /** An active (signed) contract paying `payee` for the engagement. */
  async function activeContract(productionId: string, payee: Address) {
    const contract = await expectStatus(api, 201, "POST", `${base()}/contracts`, c.manager, {
      artistId: c.artistId,
      productionId,
      engagementId,
      payeeAddress: payee,
      feeMinor: 100_000,
      currency: "EUR",
      startsOn: day(0),
      endsOn: day(10),
      document: Buffer.from("contract").toString("base64"),
    });
    const sent = await expectStatus(api, 200, "POST", `${base()}/contracts/${contract.id}/send`, c.manager, { version: 1 });
    await expectStatus(api, 200, "POST", `${base()}/contracts/${contract.id}/signature-requests/${sent.signatureRequests[0].id}/sign`, c.artist);
    return contract.id as string;
  }
  async function performanceSession(productionId: string, startsInMs: number) {
    const at = new Date(Date.now() + startsInMs);
    const item = await expectStatus(api, 201, "POST", `${base()}/productions/${productionId}/schedule`, c.manager, {
      kind: "performance",
      title: "The show",
      startsAt: at.toISOString(),
      endsAt: new Date(at.getTime() + 2 * 3600_000).toISOString(),
    });
    const assignment = await expectStatus(api, 201, "POST", `${base()}/schedule-items/${item.id}/assignments`, c.manager, { artistId: c.artistId });
    await expectStatus(api, 200, "POST", `${base()}/assignments/${assignment.id}/confirm`, c.artist);
    return item.sessions[0].id as string;
  }
  const nonce = () => t.client.getTransactionCount({ address: confirmer });

  it("sends a production manager's confirmation once, and refuses a second one, a cancelled one, an artist and another company", async () => {
    const contractId = await activeContract(await production(), payees[0]!);
    const performance = `${base()}/contracts/${contractId}/performance`;
    await expectProblem(api, { status: 403, code: "insufficient_company_role" }, "POST", performance, c.artist, { outcome: "confirmed" });
    await expectProblem(api, { status: 404, code: "company_not_found" }, "POST", performance, other.manager, { outcome: "confirmed" });
    await expectProblem(
      api,
      { status: 404, code: "contract_not_found" },
      "POST",
      `/api/v1/companies/${other.companyId}/contracts/${contractId}/performance`,
      other.manager,
      { outcome: "confirmed" },
    );
    assert.equal((await db("performance_chain_sends").where({ contract_id: contractId })).length, 0, "a refused call queues nothing");

    const confirmed = await expectStatus(api, 200, "POST", performance, c.manager, { outcome: "confirmed" });
    assert.equal(confirmed.performance.status, "confirmed");
    assert.deepEqual(
      confirmed.performance.chain.map((s: { action: string; status: string }) => [s.action, s.status]),
      [["confirm", "queued"]],
    );
    assert.ok(
      await db("graphile_worker.jobs")
        .where({ key: performanceSendKey(contractId, "confirm") })
        .first(),
      "job queued by its key",
    );
    await expectProblem(api, { status: 409, code: "performance_decided" }, "POST", performance, c.manager, { outcome: "confirmed" });
    await expectProblem(api, { status: 409, code: "performance_decided" }, "POST", performance, c.manager, { outcome: "cancelled" });
    assert.equal((await db("performance_chain_sends").where({ contract_id: contractId })).length, 1);
    assert.equal(await statusOf(payees[0]!), 1, "pending until the job runs");

    const before = await nonce();
    await runJobs();
    assert.equal(await statusOf(payees[0]!), CONFIRMED);
    const row = await db("performance_chain_sends").where({ contract_id: contractId }).first();
    assert.equal(row.status, "mined");
    assert.equal(row.split_address, event.split);
    const tx = await t.client.getTransaction({ hash: row.tx_hash });
    assert.equal(tx.from.toLowerCase(), confirmer);
    assert.equal(await nonce(), before + 1);
    // run again (a retried job): nothing more is sent
    assert.equal(await sendPerformanceDecision(jobDeps(), { companyId: c.companyId, contractId, action: "confirm" }), "mined");
    assert.equal(await nonce(), before + 1);
    const view = await expectStatus(api, 200, "GET", `${base()}/contracts/${contractId}`, c.manager);
    assert.equal(view.performance.chain[0].txHash, row.tx_hash);
    assert.ok(await db("audit_log").where({ entity_id: contractId, action: "artist_contract.performance_chain_confirmed" }).first());

    await syncedTo(t, indexer);
    const mirrored = await db("chain_split_performances").where({ contract_address: event.split, payee: payees[0], kind: "confirmed" }).first();
    assert.equal(mirrored.by_address, confirmer);
    assert.equal(mirrored.tx_hash, row.tx_hash);
  });

  it("confirms by the artist's check-in at the performance session", async () => {
    const productionId = await production();
    const contractId = await activeContract(productionId, payees[1]!);
    const sessionId = await performanceSession(productionId, 3600_000);
    await expectStatus(api, 200, "POST", `${base()}/sessions/${sessionId}/check-in`, c.artist, {});
    assert.equal((await db("artist_contracts").where({ id: contractId }).first()).performance_source, "check_in");
    await runJobs();
    assert.equal(await statusOf(payees[1]!), CONFIRMED);
    assert.equal((await db("performance_chain_sends").where({ contract_id: contractId }).first()).status, "mined");
  });

  it("cancels when the artist's performance session is cancelled: the fee goes back to the split", async () => {
    const productionId = await production();
    const contractId = await activeContract(productionId, payees[2]!);
    const sessionId = await performanceSession(productionId, 3 * 86_400_000);
    await expectProblem(api, { status: 403, code: "insufficient_company_role" }, "POST", `${base()}/sessions/${sessionId}/cancel`, c.artist);
    await expectProblem(api, { status: 404, code: "company_not_found" }, "POST", `${base()}/sessions/${sessionId}/cancel`, other.manager);
    const cancelled = await expectStatus(api, 200, "POST", `${base()}/sessions/${sessionId}/cancel`, c.manager);
    assert.equal(cancelled.status, "cancelled");
    await expectProblem(api, { status: 409, code: "session_cancelled" }, "POST", `${base()}/sessions/${sessionId}/cancel`, c.manager);
    const contract = await db("artist_contracts").where({ id: contractId }).first();
    assert.equal(contract.performance_status, "cancelled");
    assert.equal(contract.performance_source, "session_cancelled");
    // confirming a cancelled performance: refused, nothing queued
    await expectProblem(api, { status: 409, code: "performance_decided" }, "POST", `${base()}/contracts/${contractId}/performance`, c.manager, {
      outcome: "confirmed",
    });
    assert.deepEqual(
      (await db("performance_chain_sends").where({ contract_id: contractId })).map((r) => r.action),
      ["cancel"],
    );
    await runJobs();
    assert.equal(await statusOf(payees[2]!), CANCELLED);
    await syncedTo(t, indexer);
    const mirrored = await db("chain_split_performances").where({ contract_address: event.split, payee: payees[2], kind: "cancelled" }).first();
    assert.equal(mirrored.amount, FEE.toString());
    assert.equal(mirrored.by_address, confirmer);
  });

  it("sends nothing when the chain already shows the decision, and fails clearly when it shows the opposite", async () => {
    const productionId = await production();
    const done = await activeContract(productionId, payees[3]!);
    const opposite = await activeContract(productionId, payees[4]!);
    // the organizer decided both on-chain himself first
    await send(t, t.accounts[1]!, event.split, revenueSplitAbi, "confirmPerformance", [payees[3]]);
    await send(t, t.accounts[1]!, event.split, revenueSplitAbi, "confirmPerformance", [payees[4]]);
    await expectStatus(api, 200, "POST", `${base()}/contracts/${done}/performance`, c.manager, { outcome: "confirmed" });
    await expectStatus(api, 200, "POST", `${base()}/contracts/${opposite}/performance`, c.manager, { outcome: "cancelled" });
    const before = await nonce();
    await runJobs();
    assert.equal(await nonce(), before, "no transaction sent");
    const rows = await db("performance_chain_sends").whereIn("contract_id", [done, opposite]);
    const byContract = Object.fromEntries(rows.map((r) => [r.contract_id, r]));
    assert.equal(byContract[done].status, "already_done");
    assert.equal(byContract[done].tx_hash, null);
    assert.equal(byContract[opposite].status, "failed");
    assert.equal(byContract[opposite].error, "confirmed_on_chain");
    assert.equal(await statusOf(payees[4]!), CONFIRMED);
  });
});
