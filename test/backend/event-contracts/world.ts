import type { Address, Hex } from "viem";
import { loadConfig, type Config } from "../../../lib/config.js";
import type { Knex } from "../../../lib/database.js";
import { newId } from "../../../lib/ids.js";
import { createLogger } from "../../../lib/logger.js";
import { createIndexer, type Indexer } from "../../../indexer/src/indexer.js";
import { createTestFestival, createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { startTestChain, type TestChain } from "../../indexer/support/platform.js";

/**
 * Real parts for linking tests: a Hardhat node with the platform deployed (platform fee 5 %),
 * the real indexer mirroring it into a database of its own (other files mirror other nodes
 * with chain id 31337), and the real API.
 */
export interface World {
  t: TestChain;
  db: Knex;
  api: TestApi;
  config: Config;
  indexer: Indexer;
  /** Waits until the mirror stands on the node's head. */
  synced(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const t = await startTestChain();
  const isolated = await isolatedTestDatabase("festival_linking");
  const indexer = createIndexer({
    rpcUrl: t.url,
    databaseUrl: isolated.url,
    factoryAddress: t.factory,
    deployBlock: t.deployBlock,
    confirmations: 0,
    pollIntervalMs: 50,
    log: createLogger("indexer-test", process.env.TEST_LOG_LEVEL ?? "silent"),
    progressBar: false,
  });
  void indexer.run();
  const config = loadConfig({ CHAIN_RPC_URL: t.url, FACTORY_ADDRESS: t.factory });
  const api = await startTestApi(isolated.db, { config, chain: { client: t.client, chainId: t.chainId } });
  return {
    t,
    db: isolated.db,
    api,
    config,
    indexer,
    synced: async () => {
      await indexer.waitForBlock(await t.client.getBlockNumber({ cacheTime: 0 }), 60_000);
    },
    stop: async () => {
      await api.close();
      await indexer.stop().catch(() => {});
      await isolated.drop();
      await t.stop();
    },
  };
}

export interface Organizer {
  user: TestUser;
  wallet: Address;
  festivalId: string;
  organizationId: string;
}

/** An organizer of their own organization and festival whose wallet is one of the node's funded accounts. */
export async function createOrganizer(w: World, wallet: Address, opts: { verified?: boolean; roles?: Array<"organizer" | "fan"> } = {}): Promise<Organizer> {
  const user = await createTestUser(w.db, { roles: opts.roles ?? ["organizer"], config: w.config, organizerVerified: opts.verified ?? true });
  const { organizationId } = await createTestOrganization(w.db, [[user, "owner"]]);
  const { festivalId } = await createTestFestival(w.db, organizationId);
  await w.db("wallets").insert({ id: newId(), user_id: user.userId, network: "evm", address: wallet.toLowerCase(), is_primary: true, verified_at: new Date() });
  return { user, wallet: wallet.toLowerCase() as Address, festivalId, organizationId };
}

const iso = (s: number) => new Date(s * 1000).toISOString();

/** A valid prepare body; `name` varies the configuration. */
export function linkBody(wallet: Address, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    organizerAddress: wallet,
    name: "Fest",
    symbol: "FST",
    startsAt: iso(now + 86_400),
    endsAt: iso(now + 2 * 86_400),
    zones: [{ code: "gate", name: "Gate", kind: "entrance" }],
    tiers: [{ name: "GA", price: "1000", supply: 100, saleStart: iso(now), saleEnd: iso(now + 86_400) }],
    payees: [{ account: "0x2222222222222222222222222222222222222222", shareBps: 2000 }],
    ...overrides,
  };
}

/** Sends a prepared createEvent call from `from` (an unlocked node account); returns the tx hash once mined. */
export async function sendCall(w: World, from: Address, call: { to: Address; data: Hex }): Promise<Hex> {
  const hash = await w.t.wallet(from).sendTransaction({ account: from, chain: w.t.client.chain, to: call.to, data: call.data });
  const receipt = await w.t.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`createEvent reverted (${hash})`);
  return hash;
}
