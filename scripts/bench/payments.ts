import { parseEther, parseEventLogs, createWalletClient, http, zeroAddress, type Address } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import express from "express";
import { Model } from "objection";
import { eventFactoryAbi } from "../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { chainDefinition, connectChain } from "../../lib/chain.js";
import { HARDHAT_MNEMONIC } from "../../lib/chain-accounts.js";
import { loadConfig } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createLogger } from "../../lib/logger.js";
import { freePort } from "../../lib/net.js";
import { buildApp } from "../../backend/src/app.js";
import { startPaymentWorker } from "../../backend/src/modules/payments/jobs.js";
import { TestPaymentProvider } from "../../backend/src/modules/payments/test-provider.js";
import { deployPlatform } from "../support/deploy.js";
import { startLocalChain } from "../support/local-chain.js";
import { latencyProfile, listen, machineNote, openBenchDatabase, pacedTest } from "./harness.js";
import { writeBenchReport } from "./report.js";

/**
 * `npm run bench:payments`: card payments' two figures that matter.
 *
 * (1) webhookP99Ms: the webhook route (signature check on the raw body, payment looked up by
 *     provider id, event stored once and the order's job queued in one statement) with
 *     BENCH_PAYMENTS (1,000,000) payments stored, open loop (paced.ts) at PACED_RPS (200/s) for
 *     BENCH_DURATION_S, every request a new signed event for a random stored payment; then a
 *     sweep of higher rates (after a 3 s warm-up at 100/s that is not measured), each phase also against a bare route (express.raw and a JSON answer) at the
 *     same rate. No worker runs meanwhile (the request only stores the event; the worker's pump queues jobs).
 * (2) paidToMintedP95Ms: BENCH_ORDERS (500) authorized card orders on a local Hardhat node;
 *     their webhooks arrive at PAID_RPS (50/s) and the payment worker (as server.ts runs it,
 *     PAYMENTS_CONCURRENCY) mints each to the custody through MINTER_ROLE and captures it. The
 *     latency is from the webhook's arrival (payment_webhook_events.received_at) to the mint's
 *     receipt being recorded (payment_orders.minted_at). Then the checks: mintedTwice (tickets
 *     beyond an order's quantity, or minted on-chain without an order's record) and
 *     chargedWithoutTicket (captured payments whose order has no ticket), both must be 0.
 *
 * A small run: BENCH_PAYMENTS=20000 BENCH_DURATION_S=3 BENCH_ORDERS=50 npm run bench:payments
 */
const PAYMENTS = Number(process.env.BENCH_PAYMENTS ?? 1_000_000);
const PACED_RPS = Number(process.env.PACED_RPS ?? 200);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ORDERS = Number(process.env.BENCH_ORDERS ?? 500);
const PAID_RPS = Number(process.env.PAID_RPS ?? 50);
const PRICE = 4_500;
const REPETITIONS = Number(process.env.REPETITIONS ?? 3);

async function main(): Promise<void> {
  const { db, url: dbUrl, stop } = await openBenchDatabase("payments");
  Model.knex(db);
  const log = createLogger("bench", "silent");

  // ---------------------------------------------------------------- seed: one event, PAYMENTS orders with their payments
  console.log(`seeding ${PAYMENTS.toLocaleString()} card payments ...`);
  const seedStarted = performance.now();
  const userId = newId();
  const organizationId = newId();
  const festivalId = newId();
  await db("users").insert({ id: userId, email: `bench-${userId}@example.test`, display_name: "Bench fan", email_verified_at: new Date() });
  await db("organizations").insert({ id: organizationId, name: "Bench org", slug: `bench-${organizationId}` });
  await db("festivals").insert({ id: festivalId, organization_id: organizationId, name: "Bench fest", slug: "bench-fest" });
  const seededContract = newId();
  await db("event_contracts").insert({
    id: seededContract,
    festival_id: festivalId,
    chain_id: 31337,
    factory_address: "0x00000000000000000000000000000000000000fa",
    organizer_address: "0x00000000000000000000000000000000000000fb",
    status: "linked",
    name: "Seeded",
    config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
    ticket_address: "0x00000000000000000000000000000000000000fc",
    split_address: "0x00000000000000000000000000000000000000fd",
    linked_at: new Date(),
  });
  const chunk = 200_000;
  for (let from = 1; from <= PAYMENTS; from += chunk) {
    const to = Math.min(PAYMENTS, from + chunk - 1);
    await db.raw(
      `with o as (
         insert into payment_orders (id, user_id, event_contract_id, chain_id, contract_address, tier_id, quantity, unit_amount, amount, currency, status, expires_at, created_at, updated_at)
         select gen_random_uuid(), ?, ?, 31337, '0x00000000000000000000000000000000000000fc', 1, 1, ?, ?, 'EUR', 'completed', now(), now(), now()
           from generate_series(?::int, ?::int) i
         returning id)
       insert into payments (id, order_id, provider, provider_payment_id, amount, currency, status, created_at, updated_at)
       select gen_random_uuid(), o.id, 'test', 'tpi_bench_' || row_number() over () + ? - 1, ?, 'EUR', 'completed', now(), now() from o`,
      [userId, seededContract, PRICE, PRICE, from, to, from, PRICE],
    );
  }
  await db.raw("vacuum analyze");
  await db.raw("checkpoint");
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  console.log(`  seeded in ${seedSeconds.toFixed(1)} s`);

  // ---------------------------------------------------------------- (1) the webhook route, open loop
  const config = loadConfig({ ...process.env, LOG_LEVEL: "silent", NODE_ENV: "test" });
  const app = buildApp({ config, db, log });
  const { server, url } = await listen(app);
  const provider = app.locals.payments.payments.deps.provider as TestPaymentProvider;
  const signed = (n: number) => {
    const bodies: string[] = [];
    const headerSets: Array<Record<string, string>> = [];
    for (let k = 0; k < n; k++) {
      const i = 1 + Math.floor(Math.random() * PAYMENTS);
      const e = provider.signedEvent("payment_intent.amount_capturable_updated", {
        id: `tpi_bench_${i}`,
        status: "authorized",
        amount: PRICE,
        currency: "EUR",
        lastError: null,
      });
      bodies.push(e.rawBody);
      headerSets.push({ "stripe-signature": e.signature, "content-type": "application/json" });
    }
    return { bodies, headerSets };
  };
  // the bare route: the same bodies through express.raw and a JSON answer, nothing else (the machine's own floor)
  const bare = express();
  bare.post("/bare", express.raw({ type: () => true }), (_req, res) => {
    res.json({ received: true });
  });
  const bareServer = await listen(bare);
  console.log(`webhooks: open loop at ${PACED_RPS}/s for ${DURATION_S} s, lookups among ${PAYMENTS.toLocaleString()} payments, against the bare route`);
  // warm-up, not measured: JIT, the pool's connections, the index pages of the payments looked up
  await pacedTest({ url: `${url}/api/v1/payments/webhooks/test`, method: "POST", connections: 64, ...signed(300), rate: 100, durationSeconds: 3 });
  const profile = await latencyProfile(
    (rate, seconds) => ({ url: `${url}/api/v1/payments/webhooks/test`, method: "POST", connections: 64, ...signed(Math.ceil(rate * seconds)) }),
    {
      reference: PACED_RPS,
      seconds: DURATION_S,
      sweep: [300, 400, 600],
      sweepSeconds: Math.max(3, Math.round(DURATION_S / 2)),
      targetP99Ms: 20,
      bare: () => ({ url: `${bareServer.url}/bare`, method: "POST", connections: 64, ...signed(100) }),
      repetitions: REPETITIONS,
    },
  );
  await new Promise<void>((resolve) => bareServer.server.close(() => resolve()));
  const stored = Number((await db("payment_webhook_events").count<{ count: string }[]>())[0]!.count);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  // the queued jobs are for seeded payments the test provider never saw: not for the worker of phase 2
  await db.raw("update payment_webhook_events set queued_at = now() where queued_at is null");

  // ---------------------------------------------------------------- (2) paid -> minted on a local chain
  console.log(`paid -> minted: ${ORDERS} orders, webhooks at ${PAID_RPS}/s, a local Hardhat node ...`);
  const chain = await startLocalChain({ port: await freePort() });
  const { client, chainId } = await connectChain(chain.url);
  const deployment = await deployPlatform({ rpcUrl: chain.url, chainId, client });
  const organizer = createWalletClient({
    account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 1 }),
    chain: chainDefinition(chainId, chain.url),
    transport: http(chain.url),
  });
  const now = Math.floor(Date.now() / 1000);
  const startsAt = now + 30 * 86_400;
  const created = await client.waitForTransactionReceipt({
    hash: await organizer.writeContract({
      address: deployment.factory,
      abi: eventFactoryAbi,
      functionName: "createEvent",
      args: [
        {
          name: "Bench",
          symbol: "B",
          baseURI: "",
          contractURI: "",
          startsAt,
          endsAt: startsAt + 86_400,
          refundWindow: 86_400,
          transferPolicy: 0,
          resaleCapBps: 1000,
          royaltyBps: 500,
        },
        [
          {
            name: "GA",
            price: parseEther("0.01"),
            currency: zeroAddress,
            supply: ORDERS * 2,
            maxPerBuyer: 0,
            saleStart: now - 3600,
            saleEnd: startsAt,
            transferable: true,
          },
        ],
        [],
      ],
      account: organizer.account,
      chain: organizer.chain,
    }),
  });
  const ticket = parseEventLogs({ abi: eventFactoryAbi, eventName: "EventCreated", logs: created.logs })[0]!.args.ticket.toLowerCase() as Address;
  const custody = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 17 }).address;
  const minterRole = await client.readContract({ address: ticket, abi: eventTicketAbi, functionName: "MINTER_ROLE" });
  await client.waitForTransactionReceipt({
    hash: await organizer.writeContract({
      address: ticket,
      abi: eventTicketAbi,
      functionName: "grantRole",
      args: [minterRole, custody],
      account: organizer.account,
      chain: organizer.chain,
    }),
  });
  const eventContractId = newId();
  await db("event_contracts").insert({
    id: eventContractId,
    festival_id: festivalId,
    chain_id: chainId,
    factory_address: deployment.factory,
    organizer_address: organizer.account.address.toLowerCase(),
    status: "linked",
    name: "Bench",
    config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
    ticket_address: ticket,
    split_address: "0x00000000000000000000000000000000000000fd",
    linked_at: new Date(),
  });
  const chainConfig = loadConfig({ ...process.env, LOG_LEVEL: "silent", NODE_ENV: "test", CHAIN_RPC_URL: chain.url });
  const app2 = buildApp({ config: chainConfig, db, log, chain: { client, chainId } });
  const { server: server2, url: url2 } = await listen(app2);
  const payments = app2.locals.payments.payments;
  const provider2 = payments.deps.provider as TestPaymentProvider;
  // ORDERS orders, authorized at the provider (the fans paid), as the order route and the hosted page leave them
  const orders: Array<{ id: string; intent: string }> = [];
  for (let i = 0; i < ORDERS; i++) orders.push({ id: newId(), intent: `tpi_paid_${i}_${newId().slice(-8)}` });
  await db("payment_orders").insert(
    orders.map((o) => ({
      id: o.id,
      user_id: userId,
      event_contract_id: eventContractId,
      chain_id: chainId,
      contract_address: ticket,
      tier_id: 1,
      quantity: 1,
      unit_amount: PRICE,
      amount: PRICE,
      currency: "EUR",
      status: "reserved",
      expires_at: new Date(Date.now() + 3600_000),
    })),
  );
  await db("payment_test_intents").insert(
    orders.map((o) => ({ id: o.intent, amount: PRICE, currency: "EUR", status: "requires_capture", metadata: JSON.stringify({ orderId: o.id }) })),
  );
  await db("payments").insert(
    orders.map((o) => ({ id: newId(), order_id: o.id, provider: "test", provider_payment_id: o.intent, amount: PRICE, currency: "EUR", status: "pending" })),
  );
  const worker = await startPaymentWorker({
    connectionString: dbUrl,
    db,
    machine: payments.machine!,
    payments,
    concurrency: chainConfig.payments.concurrency,
    log,
    sweepIntervalMs: 600_000,
  });
  const bodies: string[] = [];
  const headerSets: Array<Record<string, string>> = [];
  for (const o of orders) {
    const e = provider2.signedEvent("payment_intent.amount_capturable_updated", {
      id: o.intent,
      status: "authorized",
      amount: PRICE,
      currency: "EUR",
      lastError: null,
    });
    bodies.push(e.rawBody);
    headerSets.push({ "stripe-signature": e.signature, "content-type": "application/json" });
  }
  const paidStarted = performance.now();
  const delivery = await pacedTest({
    url: `${url2}/api/v1/payments/webhooks/test`,
    method: "POST",
    connections: 16,
    bodies,
    headerSets,
    rate: PAID_RPS,
    durationSeconds: ORDERS / PAID_RPS,
  });
  const ids = orders.map((o) => o.id);
  const deadline = Date.now() + 180_000;
  for (;;) {
    const left = Number(
      (await db("payment_orders").whereIn("id", ids).whereNotIn("status", ["completed", "cancelled", "expired"]).count<{ count: string }[]>())[0]!.count,
    );
    if (left === 0 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const allDoneSeconds = (performance.now() - paidStarted) / 1000;
  await worker.stop();
  await new Promise<void>((resolve) => server2.close(() => resolve()));

  const { rows: lat } = await db.raw(
    `select extract(epoch from (o.minted_at - w.first)) * 1000 as ms
       from payment_orders o join (select order_id, min(received_at) as first from payment_webhook_events group by order_id) w on w.order_id = o.id
      where o.id = any(?) and o.minted_at is not null order by ms`,
    [ids],
  );
  const ms = (lat as Array<{ ms: string }>).map((r) => Number(r.ms));
  const q = (p: number) => (ms.length ? Number(ms[Math.min(ms.length - 1, Math.ceil(ms.length * p) - 1)]!.toFixed(0)) : null);
  const statuses = Object.fromEntries(
    (
      (await db("payment_orders").whereIn("id", ids).groupBy("status").select("status").count<{ status: string; count: string }[]>("* as count")) as Array<{
        status: string;
        count: string;
      }>
    ).map((r) => [r.status, Number(r.count)]),
  );
  const overMinted = Number(
    (
      await db.raw(
        `select coalesce(sum(greatest(n - quantity, 0)), 0) as n from (select o.quantity, count(t.id) as n from payment_orders o join payment_tickets t on t.order_id = o.id where o.id = any(?) group by o.id, o.quantity) x`,
        [ids],
      )
    ).rows[0].n,
  );
  const tier = await client.readContract({ address: ticket, abi: eventTicketAbi, functionName: "tier", args: [1n] });
  const recorded = Number((await db("payment_tickets").where({ contract_address: ticket }).count<{ count: string }[]>())[0]!.count);
  const mintedTwice = overMinted + Math.max(0, Number(tier.minted) - recorded);
  const chargedWithoutTicket = Number(
    (
      await db.raw(
        `select count(*) as n from payment_test_intents i join payments p on p.provider_payment_id = i.id and p.provider = 'test'
          where i.status = 'succeeded' and not exists (select 1 from payment_tickets t where t.order_id = p.order_id)`,
      )
    ).rows[0].n,
  );
  await chain.stop();
  await stop();

  const figures = {
    webhookP99Ms: profile.atReference.p99,
    webhookP50Ms: profile.atReference.p50,
    webhookRate: PACED_RPS,
    webhookAchievedRps: profile.atReference.achievedRps,
    webhookErrors: profile.atReference.errors,
    webhookNon2xx: Object.entries(profile.atReference.statuses)
      .filter(([k]) => k !== "2xx")
      .reduce((n, [, v]) => n + v, 0),
    webhookBareP99Ms: profile.versusBare?.bareP99 ?? null,
    webhookP99VsBare: profile.versusBare?.ratio ?? null,
    webhookRuns: profile.versusBare?.runs ?? null,
    webhookMaxRateWithinTarget: profile.maxRateWithinTarget,
    webhookSweepP99: profile.sweepP99,
    storedPayments: PAYMENTS,
    webhookEventsStored: stored,
    paidToMintedP50Ms: q(0.5),
    paidToMintedP95Ms: q(0.95),
    paidToMintedMaxMs: q(1),
    paidOrders: ORDERS,
    paidWebhookRate: PAID_RPS,
    paidWebhookDeliveredRps: delivery.achievedRps,
    allOrdersDoneSeconds: Number(allDoneSeconds.toFixed(1)),
    ordersCompleted: statuses.completed ?? 0,
    mintedTwice,
    chargedWithoutTicket,
    webhookP99Pass: profile.atReference.p99 <= 20,
    paidToMintedP95Pass: (q(0.95) ?? Infinity) <= 15_000,
    zeroDoublesPass: mintedTwice === 0 && chargedWithoutTicket === 0,
  };
  for (const [k, v] of Object.entries(figures)) console.log(`${k.padEnd(28)} ${typeof v === "number" ? v.toLocaleString() : v}`);
  await writeBenchReport("payments", figures, [
    `webhooks: open loop at ${PACED_RPS}/s over 64 connections for ${DURATION_S} s, each a new signed event for a random one of ${PAYMENTS.toLocaleString()} stored payments; no worker running`,
    `paid -> minted: ${ORDERS} authorized orders, webhooks at ${PAID_RPS}/s, worker concurrency ${chainConfig.payments.concurrency}, local Hardhat node (automine); from the webhook's arrival to the mint's receipt recorded`,
    `order statuses: ${JSON.stringify(statuses)}`,
    machineNote(),
  ]);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
