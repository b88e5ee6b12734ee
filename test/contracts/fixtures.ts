/**
 * Shared fixture of the contract tests: the platform (implementations + factory), test tokens and one event
 * created by the organizer. Use with `networkHelpers.loadFixture(eventFixture)` after `network.connect()`.
 */
import type { NetworkConnection } from "hardhat/types/network";
import { type Address, type Hash, parseEther, parseEventLogs, zeroAddress } from "viem";

export const DAY = 86_400n;
export const USDC = 1_000_000n;
export const TIER_ID_BASE = 1_000_000n;
export const STANDARD = 1n; // ETH, 0.1 ETH, supply 100, max 5 per buyer, transferable
export const VIP = 2n; // USDC, 50 USDC, supply 10, max 2 per buyer, transferable
export const CREW = 3n; // ETH, 0.05 ETH, supply 10, no limit, NOT transferable
export const NRT = 4n; // ERC-20 without return values, 10 units
export const FOT = 5n; // fee-on-transfer ERC-20, 10 units
export const STANDARD_PRICE = parseEther("0.1");
export const VIP_PRICE = 50n * USDC;
export const CREW_PRICE = parseEther("0.05");
export const TOKEN_PRICE = 10n * USDC;
export const PLATFORM_FEE_BPS = 250;

export const tokenId = (tierId: bigint, serial: bigint): bigint => tierId * TIER_ID_BASE + serial;

type Viem = NetworkConnection["viem"];
type Helpers = NetworkConnection["networkHelpers"];
type W = Awaited<ReturnType<Viem["getWalletClients"]>>[number];

export interface TierInput {
  name: string;
  price: bigint;
  currency: Address;
  supply: number;
  maxPerBuyer: number;
  saleStart: number;
  saleEnd: number;
  transferable: boolean;
}

export interface PayeeInput {
  account: Address;
  shareBps: number;
  fixedAmount: bigint;
  fixedToken: Address;
}

/** Deploys the platform, the tokens and one event; returns everything a test needs. */
export function makeEventFixture(viem: Viem, networkHelpers: Helpers) {
  return async function eventFixture() {
    const publicClient = await viem.getPublicClient();
    const wallets = await viem.getWalletClients();
    const wallet = (i: number) => {
      const w = wallets[i];
      if (w === undefined) throw new Error(`no wallet ${i}`);
      return w;
    };
    const [admin, platform, organizer, artist, sponsor, alice, bob, carol, scanner, minter, stranger] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(wallet) as [
      W,
      W,
      W,
      W,
      W,
      W,
      W,
      W,
      W,
      W,
      W,
    ];

    const ticketImpl = await viem.deployContract("EventTicket");
    const splitImpl = await viem.deployContract("RevenueSplit");
    const factory = await viem.deployContract("EventFactory", [
      ticketImpl.address,
      splitImpl.address,
      admin.account.address,
      0,
      platform.account.address,
      PLATFORM_FEE_BPS,
    ]);
    const usdc = await viem.deployContract("MockERC20", ["USD Coin", "USDC", 6]);
    const nrt = await viem.deployContract("MockERC20NoReturn");
    const fot = await viem.deployContract("MockFeeOnTransferERC20");

    const now = BigInt(await networkHelpers.time.latest());
    const startsAt = now + 10n * DAY;
    const endsAt = startsAt + 2n * DAY;
    const refundWindow = 7n * DAY;
    const config = {
      name: "Festival 2026",
      symbol: "FEST",
      baseURI: "https://tix.example/f/",
      contractURI: "https://tix.example/f.json",
      startsAt: Number(startsAt),
      endsAt: Number(endsAt),
      refundWindow: Number(refundWindow),
      transferPolicy: 0,
      resaleCapBps: 1_000,
      royaltyBps: 500,
    };
    const tier = (name: string, price: bigint, currency: Address, supply: number, maxPerBuyer: number, transferable = true): TierInput => ({
      name,
      price,
      currency,
      supply,
      maxPerBuyer,
      saleStart: Number(now),
      saleEnd: Number(startsAt),
      transferable,
    });
    const tiers = [
      tier("STANDARD", STANDARD_PRICE, zeroAddress, 100, 5),
      tier("VIP", VIP_PRICE, usdc.address, 10, 2),
      tier("CREW", CREW_PRICE, zeroAddress, 10, 0, false),
      tier("NRT", TOKEN_PRICE, nrt.address, 10, 0),
      tier("FOT", TOKEN_PRICE, fot.address, 10, 0),
    ];
    const payees: PayeeInput[] = [
      { account: artist.account.address, shareBps: 3_000, fixedAmount: parseEther("0.05"), fixedToken: zeroAddress },
      { account: sponsor.account.address, shareBps: 1_000, fixedAmount: 0n, fixedToken: zeroAddress },
    ];

    const createHash = await factory.write.createEvent([config, tiers, payees], { account: organizer.account });
    const receipt = await publicClient.waitForTransactionReceipt({ hash: createHash });
    const [created] = parseEventLogs({ abi: factory.abi, eventName: "EventCreated", logs: receipt.logs });
    if (created === undefined) throw new Error("no EventCreated");
    const ticket = await viem.getContractAt("EventTicket", created.args.ticket);
    const split = await viem.getContractAt("RevenueSplit", created.args.split);

    await ticket.write.grantRole([await ticket.read.SCANNER_ROLE(), scanner.account.address], { account: organizer.account });
    await ticket.write.grantRole([await ticket.read.MINTER_ROLE(), minter.account.address], { account: organizer.account });
    for (const w of [alice, bob, carol]) {
      await usdc.write.mint([w.account.address, 1_000n * USDC]);
      await nrt.write.mint([w.account.address, 1_000n * USDC]);
      await fot.write.mint([w.account.address, 1_000n * USDC]);
    }

    async function receiptOf(hash: Hash | Promise<Hash>) {
      return publicClient.waitForTransactionReceipt({ hash: await hash });
    }

    return {
      publicClient,
      admin,
      platform,
      organizer,
      artist,
      sponsor,
      alice,
      bob,
      carol,
      scanner,
      minter,
      stranger,
      ticketImpl,
      splitImpl,
      factory,
      usdc,
      nrt,
      fot,
      ticket,
      split,
      config,
      tiers,
      payees,
      now,
      startsAt,
      endsAt,
      refundWindow,
      createHash,
      receiptOf,
    };
  };
}
