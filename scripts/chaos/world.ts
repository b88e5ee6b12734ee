import { createWalletClient, http, parseEventLogs, type Address, type Hex, type PublicClient } from "viem";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import type { Knex } from "knex";
import { eventTicketAbi } from "../../lib/abis/EventTicket.js";
import { chainDefinition } from "../../lib/chain.js";
import { custodyAccount, deployerAccount } from "../../lib/chain-accounts.js";
import type { Config } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import { createTestFestival, createTestOrganization, createTestUser, type TestUser } from "../../test/support/auth.js";
import { seedCashlessWorld, type CashlessWorld } from "../bench/cashless-world.js";

export interface Holder {
  user: TestUser;
  account: PrivateKeyAccount;
}

export interface ChaosWorld {
  organizationId: string;
  organizer: TestUser;
  steward: TestUser;
  ticketAddress: Address;
  gateZoneId: string;
  holders: Holder[];
  /** Tickets bought before the faults start, each to be scanned once: [holder index, token id]. */
  tickets: Array<{ holder: number; tokenId: bigint }>;
  cashless: CashlessWorld;
  price: bigint;
  /** Card buyers (email accounts, no wallet) and the event contract they order from; tier 1 sells by card. */
  cardFans: TestUser[];
  eventContractId: string;
  custody: Address;
}

const HOLDERS = 20;
const CARD_FANS = 30;

/**
 * The festival the chaos run opens its gate on: an event created through the API (the
 * platform deployer on the local chain) and linked by the API processes, a steward, holders
 * with verified wallets who bought `tickets` tickets on-chain, card buyers for tier 1 (sold
 * by card, minted by the custody), and a cashless edition.
 * People are made the way the API tests make them (rows plus signed sessions); everything
 * on-chain is real.
 */
export async function seedChaosWorld(opts: {
  db: Knex;
  config: Config;
  api: string;
  chain: { client: PublicClient; chainId: number; url: string };
  tickets: number;
  bands: number;
  terminals: number;
  /** Where the organizer's webhook endpoint points, subscribed to `webhookTypes` before any ticket is sold. */
  webhookUrl: string;
  webhookTypes: string[];
}): Promise<ChaosWorld> {
  const { db, config, api, chain } = opts;
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const organizer = await createTestUser(db, { roles: ["organizer"], organizerVerified: true, config });
  const { organizationId } = await createTestOrganization(db, [[organizer, "owner"]]);
  const { festivalId } = await createTestFestival(db, organizationId);
  const now = Math.floor(Date.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const price = 1_000_000_000_000_000n;
  const prepared = await call(
    "POST",
    `/api/v1/festivals/${festivalId}/event-contracts`,
    {
      deployWith: "server",
      name: "Chaos Gate Opening",
      symbol: "CHAOS",
      startsAt: iso(now - 60),
      endsAt: iso(now + 86_400),
      zones: [{ code: "main-gate", name: "Main gate", kind: "entrance" }],
      tiers: [{ name: "GA", price: price.toString(), supply: 100_000, saleStart: iso(now - 60), saleEnd: iso(now + 3600) }],
    },
    organizer.headers,
  );
  await call("POST", `/api/v1/event-contracts/${prepared.id}/deploy`, undefined, organizer.headers);
  let link = prepared;
  for (const deadline = Date.now() + 60_000; link.status !== "linked";) {
    if (Date.now() > deadline) throw new Error("the event contract was never linked");
    await new Promise((r) => setTimeout(r, 200));
    link = await call("GET", `/api/v1/event-contracts/${prepared.id}`, undefined, organizer.headers);
  }
  const ticketAddress = (link.ticketAddress as string).toLowerCase() as Address;
  const gateZoneId = (link.zones as Array<{ id: string; code: string }>).find((z) => z.code === "main-gate")!.id;

  // card sales: the event's admin (the server deployer) lets the custody mint, the organizer sets a card price
  const admin = createWalletClient({
    account: deployerAccount(config, chain.chainId)!,
    chain: chainDefinition(chain.chainId, chain.url),
    transport: http(chain.url),
  });
  const custody = custodyAccount(config, chain.chainId)!.address;
  const minterRole = await chain.client.readContract({ address: ticketAddress, abi: eventTicketAbi, functionName: "MINTER_ROLE" });
  await chain.client.waitForTransactionReceipt({
    hash: await admin.writeContract({ address: ticketAddress, abi: eventTicketAbi, functionName: "grantRole", args: [minterRole, custody] }),
  });
  await call("PUT", `/api/v1/event-contracts/${prepared.id}/tiers/1/card-price`, { amount: 4500, currency: "EUR" }, organizer.headers);
  const cardFans = await Promise.all(Array.from({ length: CARD_FANS }, (_, i) => createTestUser(db, { roles: ["fan"], displayName: `Card fan ${i}`, config })));

  await call("POST", `/api/v1/organizations/${organizationId}/webhook-endpoints`, { url: opts.webhookUrl, eventTypes: opts.webhookTypes }, organizer.headers);

  const steward = await createTestUser(db, { roles: ["security"], displayName: "Chaos steward", config });
  await call("POST", `/api/v1/festivals/${festivalId}/gate/scanners`, { userId: steward.userId }, organizer.headers);

  // holders: verified wallets, funded by the node's first account, each buying its share of tickets
  const chainDef = chainDefinition(chain.chainId, chain.url);
  const [funder] = (await chain.client.request({ method: "eth_accounts" } as never)) as Hex[];
  const funderWallet = createWalletClient({ account: funder!, chain: chainDef, transport: http(chain.url) });
  const holders: Holder[] = [];
  for (let i = 0; i < HOLDERS; i++) {
    const account = privateKeyToAccount(generatePrivateKey());
    const user = await createTestUser(db, { roles: ["fan"], displayName: `Holder ${i}`, config });
    await db("wallets").insert({
      id: newId(),
      user_id: user.userId,
      network: "evm",
      address: account.address.toLowerCase(),
      is_primary: true,
      verified_at: new Date(),
    });
    await chain.client.waitForTransactionReceipt({ hash: await funderWallet.sendTransaction({ to: account.address, value: 10n ** 19n }) });
    holders.push({ user, account });
  }
  const tickets: ChaosWorld["tickets"] = [];
  const perHolder = Math.ceil(opts.tickets / HOLDERS);
  for (let i = 0; i < HOLDERS; i++) {
    const wallet = createWalletClient({ account: holders[i]!.account, chain: chainDef, transport: http(chain.url) });
    const hash = await wallet.writeContract({
      address: ticketAddress,
      abi: eventTicketAbi,
      functionName: "purchase",
      args: [1n, BigInt(perHolder), holders[i]!.account.address],
      value: price * BigInt(perHolder),
    });
    const [bought] = parseEventLogs({ abi: eventTicketAbi, eventName: "TicketPurchased", logs: (await chain.client.waitForTransactionReceipt({ hash })).logs });
    for (let k = 0n; k < BigInt(perHolder); k++) tickets.push({ holder: i, tokenId: bought!.args.firstTokenId + k });
  }

  const cashless = await seedCashlessWorld(db, { bands: opts.bands, vendors: 4, terminals: opts.terminals, startBalance: 1_000_000, cap: 2_000_000 });
  return {
    organizationId,
    organizer,
    steward,
    ticketAddress,
    gateZoneId,
    holders,
    tickets,
    cashless,
    price,
    cardFans,
    eventContractId: String(prepared.id),
    custody: custody.toLowerCase() as Address,
  };
}
