import { readFileSync } from "node:fs";
import path from "node:path";
import { createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex, type PublicClient, type WalletClient } from "viem";
import { eventFactoryAbi } from "../../../lib/abis/EventFactory.js";
import { chainDefinition } from "../../../lib/chain.js";
import { freePort } from "../../../lib/net.js";
import { startLocalChain, type LocalChain } from "../../../scripts/support/local-chain.js";
import { projectRoot } from "../../../scripts/support/local-chain.js";

export const ETH = "0x0000000000000000000000000000000000000000" as const;

/**
 * A real Hardhat node with the platform deployed from the compiled artifacts
 * (implementations + factory, as the Ignition module does), and helpers to drive it.
 */
export interface TestChain {
  node: LocalChain;
  url: string;
  chainId: number;
  client: PublicClient;
  accounts: Address[];
  wallet(account: Address): WalletClient;
  factory: Address;
  deployBlock: bigint;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  mine(blocks?: number): Promise<void>;
  snapshot(): Promise<Hex>;
  revert(id: Hex): Promise<void>;
  now(): Promise<bigint>;
  stop(): Promise<void>;
}

function artifact(name: string): { abi: unknown[]; bytecode: Hex } {
  const file = path.join(projectRoot, "artifacts", "contracts", `${name}.sol`, `${name}.json`);
  return JSON.parse(readFileSync(file, "utf8")) as { abi: unknown[]; bytecode: Hex };
}

export async function startTestChain(): Promise<TestChain> {
  const node = await startLocalChain({ port: await freePort() });
  const chain = chainDefinition(node.chainId, node.url);
  const client = createPublicClient({ chain, transport: http(node.url, { retryCount: 0 }), pollingInterval: 50 }) as PublicClient;
  const accounts = ((await client.request({ method: "eth_accounts" } as never)) as string[]).map((a) => a.toLowerCase() as Address);
  const wallets = new Map<Address, WalletClient>();
  const wallet = (account: Address) => {
    let w = wallets.get(account);
    if (!w) wallets.set(account, (w = createWalletClient({ account, chain, transport: http(node.url, { retryCount: 0 }) })));
    return w;
  };
  const rpc = <T>(method: string, params: unknown[] = []) => client.request({ method, params } as never) as Promise<T>;
  const deployer = wallet(accounts[0]!);
  const deploy = async (name: string, args: unknown[] = []) => {
    const a = artifact(name);
    const hash = await deployer.deployContract({ abi: a.abi, bytecode: a.bytecode, args, account: accounts[0]!, chain });
    const receipt = await client.waitForTransactionReceipt({ hash });
    return { address: receipt.contractAddress!.toLowerCase() as Address, block: receipt.blockNumber };
  };
  const ticketImpl = await deploy("EventTicket");
  const splitImpl = await deploy("RevenueSplit");
  // platform fee 5 % to account 9
  const factory = await deploy("EventFactory", [ticketImpl.address, splitImpl.address, accounts[0], 0, accounts[9], 500]);
  return {
    node,
    url: node.url,
    chainId: node.chainId,
    client,
    accounts,
    wallet,
    factory: factory.address,
    deployBlock: factory.block,
    rpc,
    mine: async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) await rpc("evm_mine");
    },
    snapshot: () => rpc<Hex>("evm_snapshot"),
    revert: async (id) => {
      const ok = await rpc<boolean>("evm_revert", [id]);
      if (!ok) throw new Error(`evm_revert(${id}) failed`);
    },
    now: async () => (await client.getBlock({ blockTag: "latest" })).timestamp,
    stop: () => node.stop(),
  };
}

export interface CreatedEvent {
  eventId: bigint;
  ticket: Address;
  split: Address;
}

/** Creates an event with tiers priced in ETH; sales open now, the event ends in `endsIn` seconds. */
export async function createEvent(
  t: TestChain,
  opts: {
    organizer: Address;
    tiers?: Array<{ name: string; price: bigint; supply?: number; maxPerBuyer?: number }>;
    payees?: Array<{ account: Address; shareBps: number; fixedAmount?: bigint }>;
    endsIn?: number;
    refundWindow?: number;
    transferPolicy?: number;
  },
): Promise<CreatedEvent> {
  const now = Number(await t.now());
  const endsAt = now + (opts.endsIn ?? 100_000);
  const hash = await t.wallet(opts.organizer).writeContract({
    address: t.factory,
    abi: eventFactoryAbi,
    functionName: "createEvent",
    account: opts.organizer,
    chain: t.client.chain,
    args: [
      {
        name: "Festival",
        symbol: "FEST",
        baseURI: "https://tickets.example/",
        contractURI: "https://tickets.example/contract.json",
        startsAt: endsAt - 50_000 > now ? endsAt - 50_000 : now + 1,
        endsAt,
        refundWindow: opts.refundWindow ?? 100,
        transferPolicy: opts.transferPolicy ?? 0,
        resaleCapBps: 1000,
        royaltyBps: 500,
      },
      (
        opts.tiers ?? [
          { name: "STANDARD", price: 10n ** 15n },
          { name: "VIP", price: 3n * 10n ** 15n },
        ]
      ).map((tier) => ({
        name: tier.name,
        price: tier.price,
        currency: ETH,
        supply: tier.supply ?? 100_000,
        maxPerBuyer: tier.maxPerBuyer ?? 0,
        saleStart: now - 10,
        saleEnd: endsAt,
        transferable: true,
      })),
      (opts.payees ?? []).map((p) => ({ account: p.account, shareBps: p.shareBps, fixedAmount: p.fixedAmount ?? 0n, fixedToken: ETH })),
    ],
  });
  const receipt = await t.client.waitForTransactionReceipt({ hash });
  const [created] = parseEventLogs({ abi: eventFactoryAbi, logs: receipt.logs, eventName: "EventCreated" });
  return {
    eventId: created!.args.eventId,
    ticket: created!.args.ticket.toLowerCase() as Address,
    split: created!.args.split.toLowerCase() as Address,
  };
}
