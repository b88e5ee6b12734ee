import { readFileSync } from "node:fs";
import path from "node:path";
import { createWalletClient, http, parseEther, parseEventLogs, zeroAddress, type Address, type Hex, type WalletClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { chainDefinition, connectChain, type PublicClient } from "../../../lib/chain.js";
import { HARDHAT_MNEMONIC } from "../../../lib/chain-accounts.js";
import { loadConfig, type Config } from "../../../lib/config.js";
import type { Knex } from "../../../lib/database.js";
import { newId } from "../../../lib/ids.js";
import { createLogger } from "../../../lib/logger.js";
import { freePort } from "../../../lib/net.js";
import { createIndexer, type Indexer } from "../../../indexer/src/indexer.js";
import { projectRoot, startLocalChain, type LocalChain } from "../../../scripts/support/local-chain.js";
import { createTestFestival, createTestOrganization, createTestUser, type TestUser } from "../../support/auth.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

/**
 * The payments tests' world, real parts only: a Hardhat node (its own process), the platform
 * deployed from the build artifacts, one event whose admin granted the custody MINTER_ROLE, the
 * real indexer mirroring it into a database of its own, and the real API on it.
 *
 * Tiers: 1 OPEN (supply 50, no chain limit), 2 SMALL (supply 2), 3 CAPPED (maxPerBuyer 2), 4 LOCKED (not transferable).
 */
export const OPEN = 1;
export const SMALL = 2;
export const CAPPED = 3;
export const LOCKED = 4;
export const PRICE = 4_500; // EUR cents by card

export interface World {
  chain: LocalChain;
  client: PublicClient;
  chainId: number;
  db: Knex;
  dbUrl: string;
  config: Config;
  api: TestApi;
  indexer: Indexer;
  organizer: TestUser;
  organizerWallet: WalletClient;
  eventContractId: string;
  festivalId: string;
  ticket: Address;
  wallet(i: number): WalletClient;
  close(): Promise<void>;
}

const artifact = (name: string) =>
  JSON.parse(readFileSync(path.join(projectRoot, "artifacts/contracts", `${name}.sol`, `${name}.json`), "utf8")) as { abi: unknown[]; bytecode: Hex };

export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const chain = await startLocalChain({ port: await freePort() });
  const { client, chainId } = await connectChain(chain.url);
  const wallet = (i: number) =>
    createWalletClient({
      account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }),
      chain: chainDefinition(chainId, chain.url),
      transport: http(chain.url),
    });
  const deployer = wallet(0);
  const deploy = async (name: string, args: unknown[] = []) => {
    const a = artifact(name);
    const hash = await deployer.deployContract({ abi: a.abi, bytecode: a.bytecode, args, account: deployer.account!, chain: deployer.chain });
    const receipt = await client.waitForTransactionReceipt({ hash });
    return receipt.contractAddress!;
  };
  const ticketImpl = await deploy("EventTicket");
  const splitImpl = await deploy("RevenueSplit");
  const me = deployer.account!.address;
  const factory = await deploy("EventFactory", [ticketImpl, splitImpl, me, 0, me, 250]);
  const deployBlock = await client.getBlockNumber();

  const organizerWallet = wallet(1);
  const now = Math.floor(Date.now() / 1000);
  const startsAt = now + 30 * 86_400;
  const tier = (name: string, supply: number, maxPerBuyer: number, transferable = true) => ({
    name,
    price: parseEther("0.01"),
    currency: zeroAddress,
    supply,
    maxPerBuyer,
    saleStart: now - 3600,
    saleEnd: startsAt,
    transferable,
  });
  const hash = await organizerWallet.writeContract({
    address: factory,
    abi: eventFactoryAbi,
    functionName: "createEvent",
    args: [
      {
        name: "Card Fest",
        symbol: "CARD",
        baseURI: "",
        contractURI: "",
        startsAt,
        endsAt: startsAt + 3 * 86_400,
        refundWindow: 7 * 86_400,
        transferPolicy: 0,
        resaleCapBps: 1000,
        royaltyBps: 500,
      },
      [tier("OPEN", 50, 0), tier("SMALL", 2, 0), tier("CAPPED", 20, 2), tier("LOCKED", 10, 0, false)],
      [],
    ],
    account: organizerWallet.account!,
    chain: organizerWallet.chain,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  const [created] = parseEventLogs({ abi: eventFactoryAbi, eventName: "EventCreated", logs: receipt.logs });
  const ticket = created!.args.ticket.toLowerCase() as Address;

  const isolated = await isolatedTestDatabase("festival_payments");
  const db = isolated.db;
  const config = loadConfig({ CHAIN_RPC_URL: chain.url, FACTORY_ADDRESS: factory, NODE_ENV: "test", ...env });
  const custody = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 17 }).address;
  const MINTER_ROLE = await client.readContract({ address: ticket, abi: eventTicketAbi, functionName: "MINTER_ROLE" });
  await client.waitForTransactionReceipt({
    hash: await organizerWallet.writeContract({
      address: ticket,
      abi: eventTicketAbi,
      functionName: "grantRole",
      args: [MINTER_ROLE, custody],
      account: organizerWallet.account!,
      chain: organizerWallet.chain,
    }),
  });

  const indexer = createIndexer({
    rpcUrl: chain.url,
    databaseUrl: isolated.url,
    factoryAddress: factory,
    deployBlock,
    confirmations: 0,
    pollIntervalMs: 100,
    log: createLogger("indexer", process.env.TEST_LOG_LEVEL ?? "silent"),
    progressBar: false,
  });
  void indexer.run();

  const organizer = await createTestUser(db, { roles: ["organizer"] });
  const { organizationId } = await createTestOrganization(db, [[organizer, "owner"]]);
  const { festivalId } = await createTestFestival(db, organizationId);
  const eventContractId = newId();
  await db("event_contracts").insert({
    id: eventContractId,
    festival_id: festivalId,
    chain_id: chainId,
    factory_address: factory.toLowerCase(),
    organizer_address: organizerWallet.account!.address.toLowerCase(),
    status: "linked",
    name: "Card Fest",
    config: JSON.stringify({ eventConfig: {}, tiers: [], payees: [] }),
    ticket_address: ticket,
    split_address: created!.args.split.toLowerCase(),
    linked_at: new Date(),
  });
  const api = await startTestApi(db, { config, chain: { client, chainId } });
  for (const tierId of [OPEN, SMALL, CAPPED, LOCKED]) {
    const res = await api.request("PUT", `/api/v1/event-contracts/${eventContractId}/tiers/${tierId}/card-price`, {
      headers: organizer.headers,
      body: { amount: PRICE, currency: "EUR" },
    });
    if (res.status !== 200) throw new Error(`card price: ${JSON.stringify(res.body)}`);
  }
  return {
    chain,
    client,
    chainId,
    db,
    dbUrl: isolated.url,
    config,
    api,
    indexer,
    organizer,
    organizerWallet,
    eventContractId,
    festivalId,
    ticket,
    wallet,
    close: async () => {
      await api.close();
      await indexer.stop().catch(() => {});
      await isolated.drop();
      await chain.stop();
    },
  };
}

/** A fan with one linked wallet (what a SIWE proof leaves behind) and, optionally, more wallets unlinked. */
export async function createFan(db: Knex, walletIndex?: number) {
  const user = await createTestUser(db, { roles: ["fan"] });
  let address: Address | undefined;
  if (walletIndex !== undefined) {
    address = mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: walletIndex }).address.toLowerCase() as Address;
    await db("wallets").insert({ id: newId(), user_id: user.userId, network: "evm", address, is_primary: true, verified_at: new Date() });
  }
  return { user, address };
}

/** Waits until `check` holds (the indexer mirrors within a poll or two). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await check();
    if (out) return out;
    if (Date.now() > deadline) throw new Error("eventually: timed out");
    await new Promise((r) => setTimeout(r, 100));
  }
}
