import type { Knex } from "knex";
import type { Logger } from "pino";
import type { PublicClient } from "viem";
import type { Config } from "../../../lib/config.js";
import type { DataBox } from "../security/encryption.js";

/** What the composition root (app.ts) is built from. */
export interface AppDeps {
  config: Config;
  db: Knex;
  log: Logger;
  /** Absent when no chain is configured: chain-backed routes then answer 503. */
  chain?: { client: PublicClient; chainId: number };
}

/**
 * What every route module gets. A module that needs another module's service gets it
 * passed in by app.ts (`RouteDeps & { gate: Gate }`), so routes never import app.ts.
 */
export interface RouteDeps extends AppDeps {
  /** AES-256-GCM for personal data at rest. */
  box: DataBox;
}
