import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { OperatorError } from "./errors.js";

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
const optionalSecret = z
  .string()
  .optional()
  .transform((v) => v || undefined);
const privateKey = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex key")
  .transform((v) => v.toLowerCase() as `0x${string}`);
const csv = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );

const envSchema = z
  .object({
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
    INDEXER_METRICS_PORT: int(0, 65535).default(0), // 0 = no /metrics listener
    // identity and access; secrets are required in production, derived in dev/test
    AUTH_JWT_SECRET: optionalSecret.pipe(z.string().min(32, "must be at least 32 characters").optional()),
    AUTH_ISSUER: z.string().min(1).default("festival-api"),
    AUTH_ACCESS_TOKEN_TTL_SECONDS: int(30, 86_400).default(900),
    AUTH_REFRESH_TOKEN_TTL_SECONDS: int(300, 90 * 86_400).default(30 * 86_400),
    AUTH_LOCKOUT_THRESHOLD: int(1, 100).default(5),
    AUTH_LOCKOUT_SECONDS: int(1, 86_400).default(900),
    DATA_ENCRYPTION_KEY: optionalSecret.pipe(
      z
        .base64("must be base64")
        .refine((v) => Buffer.from(v, "base64").length === 32, "must decode to 32 bytes")
        .optional(),
    ),
    /** Keys retired by a rotation (comma-separated base64): still read, never written; the rotation re-encrypts under DATA_ENCRYPTION_KEY. */
    DATA_ENCRYPTION_PREVIOUS_KEYS: z
      .string()
      .default("")
      .transform((v) =>
        v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.base64("must be base64").refine((v) => Buffer.from(v, "base64").length === 32, "must decode to 32 bytes"))),
    /** Back office receipts: a folder by default; an S3-compatible bucket when BACKOFFICE_S3_BUCKET is set. */
    BACKOFFICE_STORAGE_DIR: z.string().min(1).default(".data/receipts"),
    BACKOFFICE_S3_BUCKET: z.string().min(1).optional(),
    BACKOFFICE_S3_ENDPOINT: optionalUrl,
    BACKOFFICE_S3_REGION: z.string().min(1).default("us-east-1"),
    /** HMAC keys of the e-signature providers' webhooks (DocuSign Connect, Dropbox Sign). */
    ESIGN_DOCUSIGN_HMAC_KEY: z.string().min(16).optional(),
    ESIGN_DROPBOX_SIGN_API_KEY: z.string().min(16).optional(),
    /** Sending envelopes: DocuSign eSignature REST (all three set), Dropbox Sign (ESIGN_DROPBOX_SIGN_API_KEY set); the manual provider always. */
    ESIGN_DOCUSIGN_BASE_URL: optionalUrl,
    ESIGN_DOCUSIGN_ACCOUNT_ID: z.string().trim().min(1).optional(),
    ESIGN_DOCUSIGN_ACCESS_TOKEN: optionalSecret,
    ESIGN_DROPBOX_SIGN_BASE_URL: optionalUrl,
    /** Paid on performance: the account the organizer names with setPerformanceConfirmer; sends confirmPerformance / cancelPerformance. */
    PERFORMANCE_CONFIRMER_PRIVATE_KEY: optionalSecret.pipe(privateKey.optional()),
    SIWE_DOMAIN: z.string().min(1).optional(),
    SIWE_URI: optionalUrl,
    SIWE_CHAIN_IDS: z
      .string()
      .default("31337")
      .transform((v) => v.split(",").map((s) => Number(s.trim())))
      .pipe(z.array(z.number().int().positive()).min(1)),
    SIWE_NONCE_TTL_SECONDS: int(30, 3600).default(300),
    STELLAR_SIGNING_SECRET: optionalSecret.pipe(
      z
        .string()
        .regex(/^S[A-Z2-7]{55}$/, "must be a Stellar secret seed (S...)")
        .optional(),
    ),
    STELLAR_HOME_DOMAIN: z.string().min(1).default("localhost"),
    STELLAR_WEB_AUTH_DOMAIN: z.string().min(1).optional(),
    STELLAR_NETWORK_PASSPHRASE: z.string().min(1).default("Test SDF Network ; September 2015"),
    STELLAR_HORIZON_URL: optionalUrl,
    STELLAR_CHALLENGE_TTL_SECONDS: int(30, 3600).default(300),
    CORS_ORIGINS: csv,
    RATE_LIMIT_SIGNIN_PER_MINUTE: int(1, 100_000).default(20),
    API_KEY_DEFAULT_RATE_LIMIT_PER_MINUTE: int(1, 1_000_000).default(600),
    RATE_LIMIT_NAMESPACE: z.string().trim().min(1).max(100).default("api"),
    // tickets and the gate; keys are 0x-prefixed 32-byte hex
    GATE_PASS_SIGNING_KEY: optionalSecret.pipe(privateKey.optional()),
    GATE_OFFLINE_SIGNING_KEY: optionalSecret.pipe(privateKey.optional()),
    GATE_SCANNER_PRIVATE_KEY: optionalSecret.pipe(privateKey.optional()),
    EVENT_DEPLOYER_PRIVATE_KEY: optionalSecret.pipe(privateKey.optional()),
    GATE_ANCHOR_INTERVAL_MS: int(50, 600_000).default(2000),
    GATE_ANCHOR_BATCH_SIZE: int(1, 500).default(100),
    // mail: SMTP when set; otherwise each message is written as an .eml file (test mode)
    SMTP_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => v || undefined)
      .pipe(z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional()),
    MAIL_FROM: z.string().trim().min(3).default("Festival platform <no-reply@festival.localhost>"),
    MAIL_DIR: z.string().trim().min(1).optional(),
    // outbound webhooks: deliveries to private, loopback or link-local addresses only when this development setting says so
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: z.enum(["true", "false"]).default("false"),
    WEBHOOKS_CONCURRENCY: int(1, 500).default(50),
    // card payments: the built-in test-mode provider unless Stripe is configured (production refuses the test one)
    PAYMENTS_PROVIDER: z.enum(["test", "stripe"]).optional(),
    STRIPE_SECRET_KEY: optionalSecret,
    STRIPE_WEBHOOK_SECRET: optionalSecret,
    PAYMENTS_TEST_WEBHOOK_SECRET: optionalSecret,
    PAYMENTS_CUSTODY_PRIVATE_KEY: optionalSecret.pipe(privateKey.optional()),
    PAYMENTS_RESERVATION_SECONDS: int(30, 3600).default(600),
    PAYMENTS_MAX_PER_BUYER: int(1, 20).default(10),
    PAYMENTS_CONCURRENCY: int(1, 100).default(8),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== "production") return;
    if (!env.SMTP_URL && !env.MAIL_DIR) {
      ctx.addIssue({ code: "custom", path: ["SMTP_URL"], message: "is required in production (or set MAIL_DIR to write mail to files on purpose)" });
    }
    if (env.WEBHOOKS_ALLOW_PRIVATE_TARGETS === "true") {
      ctx.addIssue({
        code: "custom",
        path: ["WEBHOOKS_ALLOW_PRIVATE_TARGETS"],
        message: "is a development setting: production never delivers to private addresses",
      });
    }
    if (env.PAYMENTS_PROVIDER === "test") {
      ctx.addIssue({
        code: "custom",
        path: ["PAYMENTS_PROVIDER"],
        message: "test is the offline test-mode provider: production takes card payments through stripe",
      });
    }
    if (env.PAYMENTS_PROVIDER === "stripe" && (!env.STRIPE_SECRET_KEY || !env.STRIPE_WEBHOOK_SECRET)) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required with PAYMENTS_PROVIDER=stripe",
      });
    }
    const docusign = [env.ESIGN_DOCUSIGN_BASE_URL, env.ESIGN_DOCUSIGN_ACCOUNT_ID, env.ESIGN_DOCUSIGN_ACCESS_TOKEN].filter(Boolean).length;
    if (docusign !== 0 && docusign !== 3) {
      ctx.addIssue({
        code: "custom",
        path: ["ESIGN_DOCUSIGN_BASE_URL"],
        message: "ESIGN_DOCUSIGN_BASE_URL, ESIGN_DOCUSIGN_ACCOUNT_ID and ESIGN_DOCUSIGN_ACCESS_TOKEN go together",
      });
    }
    const required = [
      "AUTH_JWT_SECRET",
      "DATA_ENCRYPTION_KEY",
      "STELLAR_SIGNING_SECRET",
      "SIWE_DOMAIN",
      "SIWE_URI",
      "GATE_PASS_SIGNING_KEY",
      "GATE_OFFLINE_SIGNING_KEY",
    ] as const;
    for (const key of required) {
      if (!env[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production" });
    }
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
      /** Prometheus /metrics on 127.0.0.1:<port>; 0 = off. */
      metricsPort: env.INDEXER_METRICS_PORT,
    },
    auth: {
      jwtSecret: env.AUTH_JWT_SECRET ?? devSecret("jwt").toString("base64url"),
      issuer: env.AUTH_ISSUER,
      accessTokenTtlSeconds: env.AUTH_ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: env.AUTH_REFRESH_TOKEN_TTL_SECONDS,
      lockoutThreshold: env.AUTH_LOCKOUT_THRESHOLD,
      lockoutSeconds: env.AUTH_LOCKOUT_SECONDS,
      siwe: {
        domain: env.SIWE_DOMAIN ?? `localhost:${env.PORT}`,
        uri: env.SIWE_URI ?? `http://localhost:${env.PORT}`,
        chainIds: env.SIWE_CHAIN_IDS,
        nonceTtlSeconds: env.SIWE_NONCE_TTL_SECONDS,
      },
      stellar: {
        /** 32-byte ed25519 seed, or a Stellar secret seed (S...). */
        signingSecret: env.STELLAR_SIGNING_SECRET ?? devSecret("stellar-sep10"),
        homeDomain: env.STELLAR_HOME_DOMAIN,
        webAuthDomain: env.STELLAR_WEB_AUTH_DOMAIN ?? env.STELLAR_HOME_DOMAIN,
        networkPassphrase: env.STELLAR_NETWORK_PASSPHRASE,
        horizonUrl: env.STELLAR_HORIZON_URL,
        challengeTtlSeconds: env.STELLAR_CHALLENGE_TTL_SECONDS,
      },
    },
    /** AES-256-GCM key for personal data at rest (tax ids, bank details). */
    dataEncryptionKey: env.DATA_ENCRYPTION_KEY ? Buffer.from(env.DATA_ENCRYPTION_KEY, "base64") : devSecret("data-encryption"),
    dataEncryptionPreviousKeys: env.DATA_ENCRYPTION_PREVIOUS_KEYS.map((k) => Buffer.from(k, "base64")),
    backoffice: {
      storageDir: env.BACKOFFICE_STORAGE_DIR,
      s3: env.BACKOFFICE_S3_BUCKET ? { bucket: env.BACKOFFICE_S3_BUCKET, endpoint: env.BACKOFFICE_S3_ENDPOINT, region: env.BACKOFFICE_S3_REGION } : undefined,
      /** Development and tests: derived secrets, so signature webhooks verify offline; production without one: that provider's webhook answers 503. */
      docusignHmacKey: env.ESIGN_DOCUSIGN_HMAC_KEY ?? (env.NODE_ENV === "production" ? undefined : devSecret("esign-docusign").toString("base64")),
      dropboxSignApiKey: env.ESIGN_DROPBOX_SIGN_API_KEY ?? (env.NODE_ENV === "production" ? undefined : devSecret("esign-dropbox-sign").toString("hex")),
      /** Envelope senders besides the built-in manual provider (artist-contracts/providers.ts); unset: that provider answers 503. */
      esign: {
        docusign:
          env.ESIGN_DOCUSIGN_BASE_URL && env.ESIGN_DOCUSIGN_ACCOUNT_ID && env.ESIGN_DOCUSIGN_ACCESS_TOKEN
            ? {
                baseUrl: env.ESIGN_DOCUSIGN_BASE_URL.replace(/\/$/, ""),
                accountId: env.ESIGN_DOCUSIGN_ACCOUNT_ID,
                accessToken: env.ESIGN_DOCUSIGN_ACCESS_TOKEN,
              }
            : undefined,
        // only a key that was set (the derived development key verifies webhooks, it sends nothing)
        dropboxSign: env.ESIGN_DROPBOX_SIGN_API_KEY
          ? {
              baseUrl: (env.ESIGN_DROPBOX_SIGN_BASE_URL ?? "https://api.hellosign.com").replace(/\/$/, ""),
              apiKey: env.ESIGN_DROPBOX_SIGN_API_KEY,
              testMode: env.NODE_ENV !== "production",
            }
          : undefined,
      },
      /** Sends confirmPerformance / cancelPerformance; unset: Hardhat dev account #16, on chain 31337 only (lib/chain-accounts.ts). */
      performanceConfirmerPrivateKey: env.PERFORMANCE_CONFIRMER_PRIVATE_KEY,
    },
    cors: { origins: env.CORS_ORIGINS },
    gate: {
      /** secp256k1 key that signs passes on a holder's behalf (EIP-712 TicketPass). */
      passSigningKey: env.GATE_PASS_SIGNING_KEY ?? (`0x${devSecret("gate-pass").toString("hex")}` as `0x${string}`),
      /** Ed25519 seed that signs offline snapshots. */
      offlineSigningKey: env.GATE_OFFLINE_SIGNING_KEY ?? (`0x${devSecret("gate-offline").toString("hex")}` as `0x${string}`),
      /** Holds SCANNER_ROLE and anchors check-ins; unset: Hardhat dev account #19, on chain 31337 only (lib/chain-accounts.ts). */
      scannerPrivateKey: env.GATE_SCANNER_PRIVATE_KEY,
      /** Server-side event deployer; unset: Hardhat dev account #18, on chain 31337 only (lib/chain-accounts.ts). */
      deployerPrivateKey: env.EVENT_DEPLOYER_PRIVATE_KEY,
      anchorIntervalMs: env.GATE_ANCHOR_INTERVAL_MS,
      anchorBatchSize: env.GATE_ANCHOR_BATCH_SIZE,
    },
    mail: {
      smtpUrl: env.SMTP_URL,
      from: env.MAIL_FROM,
      /** Folder of the file transport (no SMTP_URL). */
      dir: env.MAIL_DIR ?? ".data/mail",
      /** Links in mails point at the platform's public URI. */
      baseUrl: (env.SIWE_URI ?? `http://localhost:${env.PORT}`).replace(/\/$/, ""),
    },
    webhooks: {
      /** Development and tests only (refused in production): allow deliveries to loopback and private networks. */
      allowPrivateTargets: env.WEBHOOKS_ALLOW_PRIVATE_TARGETS === "true",
      /** Deliveries in flight at once per process. */
      concurrency: env.WEBHOOKS_CONCURRENCY,
    },
    payments: {
      /** none: production without Stripe configured (card routes answer 503); test-mode is never built in production. */
      provider: env.PAYMENTS_PROVIDER ?? (env.NODE_ENV === "production" ? ("none" as const) : ("test" as const)),
      stripeSecretKey: env.STRIPE_SECRET_KEY,
      stripeWebhookSecret: env.STRIPE_WEBHOOK_SECRET,
      /** Signs the test-mode provider's webhooks (Stripe's scheme, so one verifier serves both). */
      testWebhookSecret: env.PAYMENTS_TEST_WEBHOOK_SECRET ?? `whsec_${devSecret("payments-test-webhook").toString("base64url")}`,
      /** Holds custodial tickets and MINTER_ROLE; unset: Hardhat dev account #17, on chain 31337 only (lib/chain-accounts.ts). Never stored in the database. */
      custodyPrivateKey: env.PAYMENTS_CUSTODY_PRIVATE_KEY,
      reservationSeconds: env.PAYMENTS_RESERVATION_SECONDS,
      maxPerBuyer: env.PAYMENTS_MAX_PER_BUYER,
      /** Orders advanced at once (mint, capture, refund) per API process. */
      concurrency: env.PAYMENTS_CONCURRENCY,
    },
    rateLimits: {
      /** Rate-limit counters are shared (Postgres) by every API process with this namespace. */
      namespace: env.RATE_LIMIT_NAMESPACE,
      signInPerMinute: env.RATE_LIMIT_SIGNIN_PER_MINUTE,
      apiKeyDefaultPerMinute: env.API_KEY_DEFAULT_RATE_LIMIT_PER_MINUTE,
    },
  };
}

/**
 * Development and test secrets: derived (HKDF) from one random seed persisted in
 * .data/dev-secret, so data encrypted in a dev database stays readable across restarts.
 * Production never gets here (the schema requires real secrets there).
 */
let devSeed: Buffer | undefined;
function devSecret(label: string): Buffer {
  devSeed ??= readOrCreateDevSeed();
  return Buffer.from(hkdfSync("sha256", devSeed, Buffer.alloc(0), `festival-dev:${label}`, 32));
}

function readOrCreateDevSeed(): Buffer {
  const file = path.resolve(".data", "dev-secret");
  try {
    return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  } catch {
    const seed = randomBytes(32);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, seed.toString("base64"), { flag: "wx", mode: 0o600 });
      return seed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
      // read-only checkout: a per-process secret still works, data just does not survive restarts
      return createHash("sha256").update(seed).digest();
    }
  }
}

export class ConfigError extends OperatorError {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
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
