import { Model } from "objection";
import { loadConfig } from "../../lib/config.js";
import { connectChain } from "../../lib/chain.js";
import { assertDatabaseReachable, createApiKnex } from "../../lib/database.js";
import { createLogger } from "../../lib/logger.js";
import { OperatorError } from "../../lib/errors.js";
import { exitOnFatal, onShutdown } from "../../lib/process.js";
import { buildApp, personalDataDeclarations } from "./app.js";
import { createApiServer } from "./http/server.js";
import { linkCreatedEvents, startLinkResolver } from "./modules/event-contracts/links.js";
import { startCheckInAnchor } from "./modules/gate/anchor.js";
import { startMailWorker } from "./modules/mail/jobs.js";
import { mailTransport } from "./modules/mail/transport.js";
import { RecordingPushDelivery } from "./modules/notifications/delivery.js";
import { startNotificationWorker } from "./modules/notifications/jobs.js";
import { startWebhookDispatcher } from "./modules/webhooks/dispatch.js";
import { startOutboxConsumer } from "./modules/webhooks/outbox-consumer.js";
import { DataBox } from "./security/encryption.js";
import { startShiftWorker } from "./modules/shifts/jobs.js";
import { startPersonalDataWorker } from "./modules/personal-data/jobs.js";
import { PersonalDataRegistry } from "./modules/personal-data/registry.js";
import { startPaymentWorker } from "./modules/payments/jobs.js";
import { httpSender, WEBHOOK_PATH } from "./modules/payments/routes.js";
import { TestPaymentProvider } from "./modules/payments/test-provider.js";
import { startProductionWorker } from "./modules/productions/jobs.js";
import { startContractWorker } from "./modules/artist-contracts/jobs.js";
import { performanceConfirmerAccount } from "../../lib/chain-accounts.js";

/** API process entry: `npm run api` (npm start runs it for you). Needs DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger("api", config.logLevel);
  if (!config.database.url) throw new OperatorError("DATABASE_URL is not set (npm start sets it for the embedded database)");
  await assertDatabaseReachable(config.database.url);
  const db = await createApiKnex(config.database.url);
  Model.knex(db);
  const chain = config.chain.rpcUrl ? await connectChain(config.chain.rpcUrl) : undefined;

  const app = buildApp({ config, db, log, chain });
  // sign-outs, revoked refresh families and role changes made by the other API processes reach this one's session cache at once
  const stopInvalidations = await app.locals.routeDeps.principals.listenForInvalidations(config.database.url, log);
  const server = createApiServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.http.port, config.http.host, resolve);
  });
  log.info({ url: `http://${config.http.host}:${config.http.port}` }, "api listening");
  const anchor = chain ? startCheckInAnchor({ config, db, chain, log }) : undefined;
  // Links prepared event contracts once the indexer has mirrored their EventCreated (reads never do).
  const links = startLinkResolver({ db, config, chain, log, intervalMs: config.gate.anchorIntervalMs });
  // Schedule-change notifications (graphile-worker queue in Postgres). No push provider is configured: the recording adapter logs pushes as delivered.
  const delivery = new RecordingPushDelivery();
  const notifications = await startNotificationWorker({ connectionString: config.database.url, db, delivery, log });
  // Shift reminders (pushed through notifications) and the no-show sweep (every minute).
  const shiftWorker = await startShiftWorker({ connectionString: config.database.url, db, delivery, log });
  // Back-office reminders (24 h and 2 h before a confirmed production session), pushed through notifications.
  const productionWorker = await startProductionWorker({ connectionString: config.database.url, db, delivery });
  // Artist contracts: stored e-signature webhook events, and confirmPerformance / cancelPerformance with the performance confirmer account.
  const contractWorker = await startContractWorker({
    connectionString: config.database.url,
    deps: { db, chain, account: chain ? performanceConfirmerAccount(config, chain.chainId) : undefined, contracts: app.locals.contracts },
    log,
  });
  // Mail (verification, resets, invitations): SMTP_URL, or .eml files in MAIL_DIR.
  const transport = mailTransport(config.mail, log);
  const mail = await startMailWorker({ connectionString: config.database.url, db, transport, settings: config.mail, log });
  // Outbound webhooks: finalized chain facts from the indexer's outbox (a created event links its contract first), and the dispatcher that delivers them.
  const outbox = startOutboxConsumer({ db, log, intervalMs: 250, reactions: [linkCreatedEvents(db)] });
  const webhooks = await startWebhookDispatcher({
    connectionString: config.database.url,
    concurrency: config.webhooks.concurrency,
    db,
    box: new DataBox(config.dataEncryptionKey),
    egress: { allowPrivate: config.webhooks.allowPrivateTargets, timeoutMs: 15_000, maxResponseBytes: 16_384 },
    log,
  });
  // Erasure runs and the daily retention policies.
  const personalData = await startPersonalDataWorker({
    connectionString: config.database.url,
    deps: {
      db,
      box: new DataBox(config.dataEncryptionKey),
      registry: new PersonalDataRegistry(personalDataDeclarations),
      onErased: (userId) => app.locals.routeDeps.principals.forgetUser(userId),
    },
    log,
  });
  // Card orders: webhooks queue their order's job; the worker mints, captures and refunds; its sweep recovers orders a restart interrupted.
  const { payments } = app.locals.payments;
  const provider = payments.deps.provider;
  if (provider instanceof TestPaymentProvider) provider.sender ??= httpSender(`http://${config.http.host}:${config.http.port}${WEBHOOK_PATH}/test`);
  const paymentWorker = payments.machine
    ? await startPaymentWorker({
        connectionString: config.database.url,
        db,
        machine: payments.machine,
        payments,
        concurrency: config.payments.concurrency,
        log,
      })
    : undefined;
  log.info({ transport: transport.kind, ...(transport.kind === "file" ? { dir: config.mail.dir } : {}) }, "mail delivery");

  onShutdown(async () => {
    await anchor?.stop();
    await links.stop();
    await stopInvalidations();
    await outbox.stop();
    await webhooks.stop();
    await notifications.stop();
    await shiftWorker.stop();
    await personalData.stop();
    await productionWorker.stop();
    await contractWorker.stop();
    await mail.stop();
    await paymentWorker?.stop();
    transport.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await db.destroy();
  });
}

main().catch(exitOnFatal("api"));
