import cors from "cors";
import express, { type Express } from "express";
import helmet from "helmet";
import swaggerUi from "swagger-ui-express";
import { authenticate } from "./http/auth.js";
import { errorHandler, notFoundHandler } from "./http/errors.js";
import { IdempotencyStore } from "./http/idempotency.js";
import { jsonBody } from "./http/json-body.js";
import { apiKeyRateLimit } from "./http/rate-limit.js";
import { requestContext } from "./http/request-context.js";
import { ApiRouter } from "./http/route.js";
import { rejectUnstorableText } from "./http/text-input.js";
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
import { createGate } from "./modules/gate/service.js";
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
import { attributionRoutes } from "./modules/attributions/routes.js";
import { DataBox } from "./security/encryption.js";

/** Builds the Express app (no listen), so tests drive the same app the server runs. */
export function buildApp(deps: AppDeps): Express & { locals: { routeDeps: RouteDeps & IdentityServices } } {
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
  app.use(jsonBody("1mb"));
  app.use(rejectUnstorableText);

  const accessTokens = new AccessTokens(deps.config.auth.jwtSecret, deps.config.auth.issuer, deps.config.auth.accessTokenTtlSeconds);
  const principals = new Principals(deps.db, accessTokens);
  const routeDeps: RouteDeps = { ...deps, box: new DataBox(deps.config.dataEncryptionKey) };
  const identity: IdentityServices = { accessTokens, principals, stellar: new StellarWebAuth(deps.config) };
  app.locals.routeDeps = { ...routeDeps, ...identity };

  app.use(healthRoutes({ db: deps.db, chain: deps.chain, maxLagBlocks: deps.config.indexer.maxLagBlocks }));

  app.use(authenticate(principals));
  app.use(apiKeyRateLimit());

  // Every API module registers its routes on `api` (validated, guarded, documented).
  const api = new ApiRouter(new IdempotencyStore(deps.db));
  authRoutes(api, { ...routeDeps, ...identity });
  // users never reads auth's tables: what it needs from auth comes in here
  userRoutes(api, { ...routeDeps, forgetUser: (userId) => principals.forgetUser(userId), hasPassword });
  const eventContracts = new EventContractsService(deps);
  eventContractRoutes(api, { ...routeDeps, eventContracts });
  ticketRoutes(api, routeDeps);
  gateRoutes(api, { ...routeDeps, gate: createGate({ ...deps, eventContracts }) });
  organizationRoutes(api, routeDeps);
  festivalAccessRoutes(api, routeDeps);
  apiKeyRoutes(api, { ...routeDeps, apiKeys: principals.apiKeys });
  auditRoutes(api, { ...routeDeps, assertOrganizationOwner: (db, principal, id) => assertOrganizationAccess(db, principal, id, "owner") });
  festivalRoutes(api, routeDeps);
  eventRoutes(api, routeDeps);
  venueRoutes(api, { ...routeDeps, hasLiveTimeSlots });
  artistRoutes(api, { ...routeDeps, hasLiveEngagements });
  scheduleRoutes(api, routeDeps);
  personalScheduleRoutes(api, routeDeps);
  waitlistRoutes(api, routeDeps);
  notificationRoutes(api, routeDeps);
  attributionRoutes(api, { ...routeDeps, eventContracts });
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

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app as Express & { locals: { routeDeps: RouteDeps & IdentityServices } };
}
