import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createWalletClient, http, parseEther, type Address, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { chainDefinition, connectChain } from "../../../lib/chain.js";
import { loadConfig, type Config } from "../../../lib/config.js";
import type { Knex } from "../../../lib/database.js";
import { createLogger } from "../../../lib/logger.js";
import { freePort } from "../../../lib/net.js";
import { createIndexer, type Indexer } from "../../../indexer/src/indexer.js";
import { startLinkResolver, type LinkResolver } from "../../../backend/src/modules/event-contracts/links.js";
import { hashPassword } from "../../../backend/src/modules/auth/passwords.js";
import { deployPlatform } from "../../../scripts/support/deploy.js";
import { startLocalChain, type LocalChain } from "../../../scripts/support/local-chain.js";
import { buildWebPages } from "../../../scripts/support/web-build.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { installWallet } from "./wallet.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Where the tests save their screenshots: reports/ (ignored) on every run; the README's docs/screenshots with UPDATE_SCREENSHOTS=1. */
export const SCREENSHOTS = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  process.env.UPDATE_SCREENSHOTS === "1" ? "../../../docs/screenshots" : "../../../reports/screenshots",
);

/**
 * What the browser tests run against: a Hardhat node with the platform deployed, a database of
 * its own, the real indexer, the real API serving the built pages, and headless Chromium.
 */
export interface WebWorld {
  chain: LocalChain;
  client: PublicClient;
  chainId: number;
  db: Knex;
  /** The database's URL (for the job queue's workers). */
  dbUrl: string;
  api: TestApi;
  config: Config;
  browser: Browser;
  tmp: string;
  fund(to: Address, eth: string): Promise<void>;
  /** A page on a new context (phone-sized) with `account` as its injected EIP-1193 wallet, if given. */
  page(opts?: {
    account?: PrivateKeyAccount;
    browser?: Browser;
    viewport?: { width: number; height: number };
  }): Promise<{ context: BrowserContext; page: Page }>;
  /** A user who signs in with email and password. */
  passwordUser(opts: {
    roles?: NonNullable<Parameters<typeof createTestUser>[1]>["roles"];
    displayName?: string;
    organizerVerified?: boolean;
  }): Promise<TestUser & { password: string }>;
  /** Chromium with its fake camera showing `videoFile` (a .y4m). */
  cameraBrowser(videoFile: string): Promise<Browser>;
  close(): Promise<void>;
}

export function chromiumArgs(extra: string[] = []): string[] {
  return ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--autoplay-policy=no-user-gesture-required", ...extra];
}

export async function startWebWorld(): Promise<WebWorld> {
  await buildWebPages();
  const chain = await startLocalChain({ port: await freePort() });
  const { client, chainId } = await connectChain(chain.url);
  const deployment = await deployPlatform({ rpcUrl: chain.url, chainId, client });
  const isolated = await isolatedTestDatabase("festival_web");
  const log = createLogger("web", process.env.TEST_LOG_LEVEL ?? "silent");
  const indexer: Indexer = createIndexer({
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
  const config = loadConfig({ CHAIN_RPC_URL: chain.url, FACTORY_ADDRESS: deployment.factory, RATE_LIMIT_SIGNIN_PER_MINUTE: "1000" });
  const api = await startTestApi(isolated.db, { config, chain: { client, chainId } });
  const links: LinkResolver = startLinkResolver({ db: isolated.db, config, chain: { client, chainId }, log, intervalMs: 100 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs() });
  const tmp = mkdtempSync(path.join(tmpdir(), "festival-web-"));
  const extraBrowsers: Browser[] = [];
  const [funder] = (await client.request({ method: "eth_accounts" } as never)) as Address[];
  const funderWallet = createWalletClient({ account: funder!, chain: chainDefinition(chainId, chain.url), transport: http(chain.url) });

  const world: WebWorld = {
    chain,
    client,
    chainId,
    db: isolated.db,
    dbUrl: isolated.url,
    api,
    config,
    browser,
    tmp,
    async fund(to, eth) {
      await client.waitForTransactionReceipt({ hash: await funderWallet.sendTransaction({ to, value: parseEther(eth) }) });
    },
    async page(opts = {}) {
      const context = await (opts.browser ?? browser).newContext({
        baseURL: api.base,
        viewport: opts.viewport ?? { width: 412, height: 860 },
        deviceScaleFactor: 1,
        locale: "en-GB",
        permissions: ["camera"],
      });
      if (opts.account) await installWallet(context, opts.account, { rpcUrl: chain.url, chainId });
      const page = await context.newPage();
      return { context, page };
    },
    async passwordUser(opts) {
      const user = await createTestUser(isolated.db, { roles: opts.roles, displayName: opts.displayName, organizerVerified: opts.organizerVerified });
      const password = "a long test passphrase";
      await isolated.db("user_passwords").insert({ user_id: user.userId, password_hash: await hashPassword(password) });
      return { ...user, password };
    },
    async cameraBrowser(videoFile) {
      const b = await chromium.launch({
        executablePath: CHROMIUM,
        args: chromiumArgs(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", `--use-file-for-fake-video-capture=${videoFile}`]),
      });
      extraBrowsers.push(b);
      return b;
    },
    async close() {
      for (const b of extraBrowsers) await b.close().catch(() => {});
      await browser.close().catch(() => {});
      await links.stop();
      await api.close();
      await indexer.stop().catch(() => {});
      await isolated.drop();
      await chain.stop();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  return world;
}

/** A fresh wallet with `eth` from the node's funded account. */
export async function fundedAccount(world: WebWorld, eth = "1"): Promise<PrivateKeyAccount> {
  const account = privateKeyToAccount(generatePrivateKey());
  await world.fund(account.address, eth);
  return account;
}
