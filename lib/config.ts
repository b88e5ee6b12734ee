import { z } from "zod";

/**
 * All configuration is read and validated here, once. Every problem is reported together
 * (one line per variable) so a misconfigured deployment is fixed in one pass.
 */
const optionalUrl = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || undefined) // an empty variable means "not set"
  .pipe(z.url().optional());
const address = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address")
  .transform((v) => v.toLowerCase() as `0x${string}`);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: int(0, 65535).default(3000),
  DATABASE_URL: optionalUrl,
  EMBEDDED_PG_DIR: z.string().min(1).default(".data/postgres"),
  EMBEDDED_PG_PORT: int(0, 65535).default(0),
  CHAIN_RPC_URL: optionalUrl,
  CHAIN_NODE_PORT: int(1, 65535).default(8545),
  FACTORY_ADDRESS: address.optional(),
  FACTORY_DEPLOY_BLOCK: z.coerce.bigint().nonnegative().optional(),
  INDEXER_POLL_INTERVAL_MS: int(50, 600_000).default(1000),
  INDEXER_BATCH_BLOCKS: int(1, 100_000).default(2000),
  INDEXER_CONFIRMATIONS: int(0, 1000).optional(),
  INDEXER_MAX_LAG_BLOCKS: int(0, 1_000_000).default(5),
});

export type Config = ReturnType<typeof toConfig>;

function toConfig(env: z.infer<typeof envSchema>) {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: { host: env.HOST, port: env.PORT },
    database: {
      url: env.DATABASE_URL,
      embeddedDir: env.EMBEDDED_PG_DIR,
      embeddedPort: env.EMBEDDED_PG_PORT,
    },
    chain: {
      rpcUrl: env.CHAIN_RPC_URL,
      localNodePort: env.CHAIN_NODE_PORT,
      factoryAddress: env.FACTORY_ADDRESS,
      factoryDeployBlock: env.FACTORY_DEPLOY_BLOCK,
    },
    indexer: {
      pollIntervalMs: env.INDEXER_POLL_INTERVAL_MS,
      batchBlocks: env.INDEXER_BATCH_BLOCKS,
      /** Finality depth; undefined means "0 on a local dev chain, 12 elsewhere". */
      confirmations: env.INDEXER_CONFIRMATIONS,
      /** Above this lag the gate stops trusting the mirror and asks the chain. */
      maxLagBlocks: env.INDEXER_MAX_LAG_BLOCKS,
    },
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates configuration; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return toConfig(parsed.data);
}

/** Names of every variable the platform reads, for the README and `--help`. */
export const configVariables = Object.keys(envSchema.shape);
