import cors from "cors";
import express, { type Express } from "express";
import helmet from "helmet";
import swaggerUi from "swagger-ui-express";
import { authenticate } from "./http/auth.js";
import { errorHandler, notFoundHandler } from "./http/errors.js";
import { IdempotencyStore } from "./http/idempotency.js";
import { jsonBody } from "./http/json-body.js";
import { apiKeyRateLimit } from "./http/rate-limit.js";
import { PostgresRateLimitStore } from "./http/rate-limit-store.js";
import { requestContext } from "./http/request-context.js";
import { ApiRouter } from "./http/route.js";
import { rejectUnstorableText } from "./http/text-input.js";
import { webPages } from "./http/web-pages.js";
import type { AppDeps, RouteDeps } from "./http/route-deps.js";
import { AccessTokens } from "./modules/auth/access-tokens.js";
import { hasPassword } from "./modules/auth/passwords.js";
import { Principals } from "./modules/auth/principals.js";
import { authRoutes } from "./modules/auth/routes.js";
import { StellarWebAuth } from "./modules/auth/sep10.js";
import type { IdentityServices } from "./modules/auth/service.js";
import { healthRoutes } from "./modules/health/routes.js";
import { userRoutes } from "./modules/users/routes.js";
import { eventContractRoutes } from "./modules/event-contracts/routes.js";
import { EventContractsService } from "./modules/event-contracts/service.js";
import { gateRoutes } from "./modules/gate/routes.js";
import { chainMirrorRoutes } from "./modules/chain-mirror/routes.js";
import { createGate } from "./modules/gate/service.js";
import { snapshotSigner } from "./modules/gate/keys.js";
import { ticketRoutes } from "./modules/tickets/routes.js";
import { assertOrganizationAccess } from "./modules/organizations/access.js";
import { organizationRoutes } from "./modules/organizations/routes.js";
import { festivalAccessRoutes } from "./modules/festival-access/routes.js";
import { apiKeyRoutes } from "./modules/api-keys/routes.js";
import { auditRoutes } from "./modules/audit/routes.js";
import { artistRoutes } from "./modules/artists/routes.js";
import { eventRoutes } from "./modules/events/routes.js";
import { festivalRoutes } from "./modules/festivals/routes.js";
import { notificationRoutes } from "./modules/notifications/routes.js";
import { personalScheduleRoutes } from "./modules/personal-schedules/routes.js";
import { scheduleRoutes } from "./modules/schedule/routes.js";
import { hasLiveEngagements, hasLiveTimeSlots } from "./modules/schedule/usage.js";
import { venueRoutes } from "./modules/venues/routes.js";
import { waitlistRoutes } from "./modules/waitlists/routes.js";
import { webhookRoutes } from "./modules/webhooks/routes.js";
import { cashlessRoutes } from "./modules/cashless/routes.js";
import { bandHolder } from "./modules/cashless/service.js";
import { vendorRoutes } from "./modules/vendors/routes.js";
import { TerminalKeys } from "./modules/vendors/terminals.js";
import { attributionRoutes } from "./modules/attributions/routes.js";
import { DataBox } from "./security/encryption.js";
import { BadgeCodec } from "./modules/staff/badges.js";
import { staffRoutes } from "./modules/staff/routes.js";
import { StaffService } from "./modules/staff/service.js";
import { ShiftCheckIns } from "./modules/shifts/check-in.js";
import { shiftCalendarEvents } from "./modules/shifts/calendar.js";
import { shiftRoutes } from "./modules/shifts/routes.js";
import { ShiftsService } from "./modules/shifts/service.js";
import { campingRoutes } from "./modules/camping/routes.js";
import { CampingService } from "./modules/camping/service.js";
import { heldTicket } from "./modules/tickets/service.js";
import { siteMapRoutes } from "./modules/site-map/routes.js";
import { companyRoutes } from "./modules/organizations/company-routes.js";
import { CompanyService } from "./modules/organizations/company-service.js";
import { KeyRing } from "./security/key-ring.js";
import { expenseRoutes } from "./modules/expenses/routes.js";
import { ExpenseService } from "./modules/expenses/service.js";
import { receiptStoreFor } from "./modules/expenses/receipt-store.js";
import { productionRoutes, productionScheduleRoutes } from "./modules/productions/routes.js";
import { ScheduleService } from "./modules/productions/schedule.js";
import { contractRoutes } from "./modules/artist-contracts/routes.js";
import { cancelPerformancesBySession, confirmPerformancesByCheckIn, ContractService } from "./modules/artist-contracts/service.js";
import { signatureProviders } from "./modules/artist-contracts/providers.js";
import { ProductionService } from "./modules/productions/service.js";
import { SiteMapService } from "./modules/site-map/service.js";
import type { PersonalDataDeclaration } from "./security/personal-data.js";
import { PersonalDataRegistry } from "./modules/personal-data/registry.js";
import { personalDataRoutes } from "./modules/personal-data/routes.js";
import { personalDataPersonalData } from "./modules/personal-data/personal-data.js";
import { usersPersonalData } from "./modules/users/personal-data.js";
import { authPersonalData } from "./modules/auth/personal-data.js";
import { apiKeysPersonalData } from "./modules/api-keys/personal-data.js";
import { organizationsPersonalData } from "./modules/organizations/personal-data.js";
import { festivalAccessPersonalData } from "./modules/festival-access/personal-data.js";
import { auditPersonalData } from "./modules/audit/personal-data.js";
import { notificationsPersonalData } from "./modules/notifications/personal-data.js";
import { mailPersonalData } from "./modules/mail/personal-data.js";
import { waitlistsPersonalData } from "./modules/waitlists/personal-data.js";
import { personalSchedulesPersonalData } from "./modules/personal-schedules/personal-data.js";
import { gatePersonalData } from "./modules/gate/personal-data.js";
import { chainMirrorPersonalData } from "./modules/chain-mirror/personal-data.js";
import { eventContractsPersonalData } from "./modules/event-contracts/personal-data.js";
import { eventsPersonalData } from "./modules/events/personal-data.js";
import { schedulePersonalData } from "./modules/schedule/personal-data.js";
import { venuesPersonalData } from "./modules/venues/personal-data.js";
import { artistsPersonalData } from "./modules/artists/personal-data.js";
import { cashlessPersonalData } from "./modules/cashless/personal-data.js";
import { vendorsPersonalData } from "./modules/vendors/personal-data.js";
import { shiftsPersonalData } from "./modules/shifts/personal-data.js";
import { staffPersonalData } from "./modules/staff/personal-data.js";
import { campingPersonalData } from "./modules/camping/personal-data.js";
import { attributionsPersonalData } from "./modules/attributions/personal-data.js";
import { webhooksPersonalData } from "./modules/webhooks/personal-data.js";
import { paymentsPersonalData } from "./modules/payments/personal-data.js";
import { artistContractsPersonalData } from "./modules/artist-contracts/personal-data.js";
import { expensesPersonalData } from "./modules/expenses/personal-data.js";
import { productionsPersonalData } from "./modules/productions/personal-data.js";
import { httpPersonalData } from "./http/personal-data.js";

/**
 * Every module's personal data (modules/<m>/personal-data.ts): export, erasure, the leftover
 * scan and retention work from this list alone. A new module adds its declaration here.
 * Erasure runs in this order: a table whose rows are found through another module's link
 * comes first (shifts before staff; users last, since identify() reads it before the run).
 */
export const personalDataDeclarations: readonly PersonalDataDeclaration[] = [
  personalDataPersonalData,
  authPersonalData,
  apiKeysPersonalData,
  organizationsPersonalData,
  festivalAccessPersonalData,
  notificationsPersonalData,
  mailPersonalData,
  waitlistsPersonalData,
  personalSchedulesPersonalData,
  shiftsPersonalData,
  staffPersonalData,
  campingPersonalData,
  paymentsPersonalData,
  expensesPersonalData,
  artistContractsPersonalData,
  productionsPersonalData,
  cashlessPersonalData,
  vendorsPersonalData,
  gatePersonalData,
  chainMirrorPersonalData,
  eventContractsPersonalData,
  attributionsPersonalData,
  artistsPersonalData,
  eventsPersonalData,
  schedulePersonalData,
  venuesPersonalData,
  webhooksPersonalData,
  httpPersonalData,
  auditPersonalData,
  usersPersonalData,
];
import { paymentRoutes, WEBHOOK_PATH, webhookRawBody } from "./modules/payments/routes.js";
import { createPayments, type Payments } from "./modules/payments/setup.js";

/** Builds the Express app (no listen), so tests drive the same app the server runs. */
export function buildApp(deps: AppDeps): Express & { locals: { routeDeps: RouteDeps & IdentityServices; payments: Payments; contracts: ContractService } } {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.set("query parser", "simple");
  app.use(helmet());
  app.use(
    cors({
      origin: deps.config.cors.origins.length ? deps.config.cors.origins : false,
      exposedHeaders: ["X-Request-Id", "Idempotent-Replayed", "RateLimit", "RateLimit-Policy", "Retry-After"],
      maxAge: 600,
    }),
  );
  app.use(requestContext(deps.log));
  // payment webhooks are verified on their raw bytes: parsed before (and so instead of) the JSON parser
  app.use(WEBHOOK_PATH, webhookRawBody);
  app.use(jsonBody("1mb"));
  app.use(rejectUnstorableText);

  const accessTokens = new AccessTokens(deps.config.auth.jwtSecret, deps.config.auth.issuer, deps.config.auth.accessTokenTtlSeconds);
  const principals = new Principals(deps.db, accessTokens);
  const routeDeps: RouteDeps = { ...deps, box: new DataBox(deps.config.dataEncryptionKey) };
  const identity: IdentityServices = { accessTokens, principals, stellar: new StellarWebAuth(deps.config) };
  app.locals.routeDeps = { ...routeDeps, ...identity };

  app.use(healthRoutes({ db: deps.db, chain: deps.chain, maxLagBlocks: deps.config.indexer.maxLagBlocks }));

  app.use(authenticate(principals));
  app.use(apiKeyRateLimit(new PostgresRateLimitStore(deps.db, `${deps.config.rateLimits.namespace}:`)));

  // Every API module registers its routes on `api` (validated, guarded, documented).
  const api = new ApiRouter(new IdempotencyStore(deps.db));
  authRoutes(api, { ...routeDeps, ...identity });
  // users never reads auth's tables: what it needs from auth comes in here
  userRoutes(api, { ...routeDeps, forgetUser: (userId) => principals.forgetUser(userId), hasPassword });
  const eventContracts = new EventContractsService(deps);
  eventContractRoutes(api, { ...routeDeps, eventContracts });
  ticketRoutes(api, routeDeps);
  const payments = createPayments({ db: deps.db, config: deps.config, chain: deps.chain, eventContracts, log: deps.log });
  app.locals.payments = payments;
  const gate = createGate({ ...deps, eventContracts, custodialHolder: payments.custodialHolder });
  gateRoutes(api, { ...routeDeps, gate });
  chainMirrorRoutes(api, { ...routeDeps, eventContracts });
  organizationRoutes(api, routeDeps);
  festivalAccessRoutes(api, routeDeps);
  apiKeyRoutes(api, { ...routeDeps, apiKeys: principals.apiKeys });
  auditRoutes(api, { ...routeDeps, assertOrganizationOwner: (db, principal, id) => assertOrganizationAccess(db, principal, id, "owner") });
  festivalRoutes(api, routeDeps);
  eventRoutes(api, routeDeps);
  venueRoutes(api, { ...routeDeps, hasLiveTimeSlots });
  artistRoutes(api, { ...routeDeps, hasLiveEngagements });
  scheduleRoutes(api, routeDeps);
  personalScheduleRoutes(api, { ...routeDeps, calendarContributors: [shiftCalendarEvents] });
  waitlistRoutes(api, routeDeps);
  notificationRoutes(api, routeDeps);
  webhookRoutes(api, routeDeps);
  // operations: staff, shifts, camping, site map
  const badges = new BadgeCodec(deps.config);
  staffRoutes(api, { ...routeDeps, staff: new StaffService(deps.db, badges) });
  shiftRoutes(api, {
    ...routeDeps,
    shifts: new ShiftsService(deps.db),
    checkIns: new ShiftCheckIns(deps.db, badges, snapshotSigner(deps.config), (editionId, tagId) => bandHolder(deps.db, editionId, tagId)),
  });
  campingRoutes(api, {
    ...routeDeps,
    camping: new CampingService(deps.db, heldTicket, (principal, festivalId) => gate.scanners.assert(principal, festivalId)),
  });
  siteMapRoutes(api, { ...routeDeps, siteMap: new SiteMapService(deps.db) });
  const terminalKeys = new TerminalKeys(deps.db);
  cashlessRoutes(api, { ...routeDeps, terminals: terminalKeys, checkPass: (principal, input) => gate.scan.passHolder(principal, input) });
  vendorRoutes(api, { ...routeDeps, terminalKeys });
  attributionRoutes(api, { ...routeDeps, eventContracts });
  personalDataRoutes(api, {
    ...routeDeps,
    personalData: {
      db: deps.db,
      box: routeDeps.box,
      registry: new PersonalDataRegistry(personalDataDeclarations),
      onErased: (userId) => principals.forgetUser(userId),
    },
  });
  // back office: companies are the tenants; every statement on its tables runs under row-level security
  const keyRing = new KeyRing(deps.config.dataEncryptionKey, deps.config.dataEncryptionPreviousKeys);
  companyRoutes(api, new CompanyService(deps.db, keyRing));
  productionRoutes(api, new ProductionService(deps.db));
  productionScheduleRoutes(api, new ScheduleService(deps.db, confirmPerformancesByCheckIn, cancelPerformancesBySession));
  // the contracts worker (server.ts, tests) applies its stored webhook events and sends performances on-chain
  const contracts = new ContractService(deps.db, signatureProviders(deps.config.backoffice.esign));
  app.locals.contracts = contracts;
  contractRoutes(api, contracts, deps.config.backoffice);
  expenseRoutes(api, new ExpenseService(deps.db, receiptStoreFor(deps.config.backoffice), keyRing));
  paymentRoutes(api, { ...routeDeps, payments: payments.payments, custody: payments.custody, topups: payments.topups });
  app.use(api.router);

  const openApi = api.openApiDocument({
    title: "Festival platform API",
    version: "1",
    description: "Errors are RFC 9457 problem+json. Lists are cursor-paginated (limit <= 100, cursor).",
  });
  app.get("/openapi.json", (_req, res) => {
    res.json(openApi);
  });
  app.use("/docs", swaggerUi.serve, swaggerUi.setup(openApi, { customSiteTitle: "Festival platform API" }));

  // the web pages (web/, built by Vite) at /, after every API route
  app.use(webPages());

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app as Express & { locals: { routeDeps: RouteDeps & IdentityServices; payments: Payments; contracts: ContractService } };
}
