import express, { type Express } from "express";
import helmet from "helmet";
import type { Knex } from "knex";
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import type { Config } from "../../lib/config.js";
import { errorHandler, notFoundHandler } from "./http/errors.js";
import { requestContext } from "./http/request-context.js";
import { healthRoutes } from "./modules/health/routes.js";

export interface AppDeps {
  config: Config;
  db: Knex;
  log: Logger;
  /** Absent when no chain is configured: chain-backed routes then answer 503. */
  chain?: { client: PublicClient; chainId: number };
}

/** Builds the Express app (no listen), so tests drive the same app the server runs. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(helmet());
  app.use(requestContext(deps.log));
  app.use(express.json({ limit: "1mb" }));

  app.use(healthRoutes({ db: deps.db, chain: deps.chain, maxLagBlocks: deps.config.indexer.maxLagBlocks }));

  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
