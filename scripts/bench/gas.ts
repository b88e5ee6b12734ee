/**
 * Gas benchmark of the contracts: `npm run bench:gas`
 * (= `hardhat run scripts/bench/gas.ts`). Deploys everything on the in-process Hardhat network, measures the
 * total gas of each transaction (receipt.gasUsed, so the 21,000 base and calldata are included), prints the
 * figures with their targets and writes reports/bench/gas.json. A missed target is reported, not fatal.
 */
import { network } from "hardhat";
import { type Address, type Hash, maxUint256, parseEther, parseEventLogs, zeroAddress } from "viem";
import { writeBenchReport, type BenchFigures } from "./report.js";

const { viem, networkHelpers } = await network.create();
const publicClient = await viem.getPublicClient();
const wallets = await viem.getWalletClients();
const wallet = (i: number) => {
  const w = wallets[i];
  if (w === undefined) throw new Error(`the network has no wallet ${i}`);
  return w;
};
const [deployer, organizer, artist, sponsor, scanner, resaleBuyer] = [0, 1, 2, 3, 4, 5].map(wallet) as [W, W, W, W, W, W];
const buyer = (i: number) => wallet(6 + i);
type W = (typeof wallets)[number];
const DAY = 86_400n;
const USDC = 1_000_000n;

async function gasOf(tx: Promise<Hash>): Promise<bigint> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await tx });
  if (receipt.status !== "success") throw new Error("transaction reverted");
  return receipt.gasUsed;
}

// ---------------------------------------------------------------- platform
const ticketImpl = await viem.deployContract("EventTicket");
const splitImpl = await viem.deployContract("RevenueSplit");
const factory = await viem.deployContract("EventFactory", [ticketImpl.address, splitImpl.address, deployer.account.address, 0, deployer.account.address, 250]);
const usdc = await viem.deployContract("MockERC20", ["USD Coin", "USDC", 6]);

const now = await networkHelpers.time.latest();
const startsAt = BigInt(now) + 30n * DAY;
const endsAt = startsAt + 3n * DAY;
const refundWindow = 7n * DAY;
const config = {
  name: "Festival 2026",
  symbol: "FEST26",
  baseURI: "https://tix.example/f26/",
  contractURI: "https://tix.example/f26.json",
  startsAt: Number(startsAt),
  endsAt: Number(endsAt),
  refundWindow: Number(refundWindow),
  transferPolicy: 0, // Free
  resaleCapBps: 1_000,
  royaltyBps: 500,
};
const tier = (name: string, price: bigint, currency: Address, maxPerBuyer: number) => ({
  name,
  price,
  currency,
  supply: 100_000,
  maxPerBuyer,
  saleStart: now,
  saleEnd: Number(startsAt),
  transferable: true,
});
const price = parseEther("0.05");
const tiers = [tier("STANDARD", price, zeroAddress, 0), tier("VIP", parseEther("0.2"), zeroAddress, 4), tier("CAMPING", 40n * USDC, usdc.address, 4)];
const payees = [
  { account: artist.account.address, shareBps: 2_000, fixedAmount: parseEther("0.01"), fixedToken: zeroAddress },
  { account: sponsor.account.address, shareBps: 500, fixedAmount: 0n, fixedToken: zeroAddress },
  { account: wallet(18).account.address, shareBps: 1_000, fixedAmount: 0n, fixedToken: zeroAddress },
  { account: wallet(19).account.address, shareBps: 0, fixedAmount: 100n * USDC, fixedToken: usdc.address },
];

async function createEvent(eventPayees: typeof payees) {
  const hash = await factory.write.createEvent([config, tiers, eventPayees], { account: organizer.account });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [created] = parseEventLogs({ abi: factory.abi, eventName: "EventCreated", logs: receipt.logs });
  if (created === undefined) throw new Error("no EventCreated");
  const { ticket, split } = created.args;
  return {
    gas: receipt.gasUsed,
    ticket: await viem.getContractAt("EventTicket", ticket),
    split: await viem.getContractAt("RevenueSplit", split),
  };
}

const figures: BenchFigures = {};

// ---------------------------------------------------------------- createEvent (3 tiers, 4 payees)
const main = await createEvent(payees);
figures.createEvent = Number(main.gas);

// ---------------------------------------------------------------- paid on performance (the artist's fixed fee gated)
{
  const gated = await createEvent(payees);
  const cancelled = await createEvent(payees);
  figures.requirePerformance = Number(await gasOf(gated.split.write.requirePerformance([artist.account.address], { account: organizer.account })));
  await gasOf(cancelled.split.write.requirePerformance([artist.account.address], { account: organizer.account }));
  figures.setPerformanceConfirmer = Number(await gasOf(gated.split.write.setPerformanceConfirmer([scanner.account.address], { account: organizer.account })));
  figures.confirmPerformance = Number(await gasOf(gated.split.write.confirmPerformance([artist.account.address], { account: scanner.account })));
  figures.cancelPerformance = Number(await gasOf(cancelled.split.write.cancelPerformance([artist.account.address], { account: organizer.account })));
}
const STANDARD = 1n;
const CAMPING = 3n;

// ---------------------------------------------------------------- purchases
// A first sale warms nothing that a later buyer would find cold except the tier's "price locked" flag: measure
// the first ticket of a new buyer after someone else bought.
await gasOf(main.ticket.write.purchase([STANDARD, 1n, buyer(0).account.address], { account: buyer(0).account, value: price }));
const purchase1Eth = await gasOf(main.ticket.write.purchase([STANDARD, 1n, buyer(1).account.address], { account: buyer(1).account, value: price }));
figures.purchase1Eth = Number(purchase1Eth);

for (const b of [buyer(2), buyer(3)]) {
  await usdc.write.mint([b.account.address, 1_000n * USDC]);
  await usdc.write.approve([main.ticket.address, maxUint256], { account: b.account });
}
await gasOf(main.ticket.write.purchase([CAMPING, 1n, buyer(2).account.address], { account: buyer(2).account }));
figures.purchase1Erc20 = Number(await gasOf(main.ticket.write.purchase([CAMPING, 1n, buyer(3).account.address], { account: buyer(3).account })));

const batch10 = await gasOf(main.ticket.write.purchase([STANDARD, 10n, buyer(4).account.address], { account: buyer(4).account, value: price * 10n }));
figures.purchaseBatch10 = Number(batch10);
figures.purchaseBatchPerExtraTicket = Number((batch10 - purchase1Eth) / 9n);

// ---------------------------------------------------------------- same sale with 2 and with 50 payees
async function firstTicketOfNewBuyer(eventPayees: typeof payees): Promise<bigint> {
  const e = await createEvent(eventPayees);
  await gasOf(e.ticket.write.purchase([STANDARD, 1n, buyer(0).account.address], { account: buyer(0).account, value: price }));
  return gasOf(e.ticket.write.purchase([STANDARD, 1n, buyer(1).account.address], { account: buyer(1).account, value: price }));
}
// 1 organizer payee + the platform payee = 2; 49 + the platform payee = 50.
const twoPayees = await firstTicketOfNewBuyer(payees.slice(0, 1));
const fiftyPayees = await firstTicketOfNewBuyer(
  Array.from({ length: 49 }, (_, i) => ({
    account: `0x${(0x1000 + i).toString(16).padStart(40, "0")}` as Address,
    shareBps: 100,
    fixedAmount: i % 5 === 0 ? 1_000n : 0n,
    fixedToken: zeroAddress,
  })),
);
figures.purchase1Eth2Payees = Number(twoPayees);
figures.purchase1Eth50Payees = Number(fiftyPayees);
figures.purchase50VsPurchase1EthPct = Number((Number(fiftyPayees - purchase1Eth) * 100) / Number(purchase1Eth));

// ---------------------------------------------------------------- purchases through a referrer
// STANDARD credits 5 % of its price to the referrer of each sale. Measured like purchase1Eth (a new buyer's first
// ticket), through a referrer credited before (most sales: a creator brings many), and through a referrer's very first
// credit, which pays for a new storage slot (~17,100 more).
const [referrer, newReferrer] = [wallet(15), wallet(16)];
await main.split.write.setReferralShare([STANDARD, 500], { account: organizer.account });
const viaReferrer = (b: W, r: W) =>
  gasOf(main.ticket.write.purchaseWithReferrer([STANDARD, 1n, b.account.address, r.account.address], { account: b.account, value: price }));
await viaReferrer(buyer(6), referrer);
figures.purchase1EthWithReferrer = Number(await viaReferrer(buyer(7), referrer));
figures.purchase1EthWithNewReferrer = Number(await viaReferrer(buyer(8), newReferrer));

// ---------------------------------------------------------------- check-in: a batch of 100
const checkInIds: bigint[] = [];
for (let i = 0; i < 10; i++) {
  const b = buyer(5);
  const hash = await main.ticket.write.purchase([STANDARD, 10n, b.account.address], { account: b.account, value: price * 10n });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [log] = parseEventLogs({ abi: main.ticket.abi, eventName: "TicketPurchased", logs: receipt.logs });
  if (log === undefined) throw new Error("no TicketPurchased");
  const first = log.args.firstTokenId;
  for (let k = 0n; k < 10n; k++) checkInIds.push(first + k);
}
const SCANNER_ROLE = await main.ticket.read.SCANNER_ROLE();
await main.ticket.write.grantRole([SCANNER_ROLE, scanner.account.address], { account: organizer.account });
await networkHelpers.time.increaseTo(startsAt);
const checkIn100 = await gasOf(main.ticket.write.checkIn([checkInIds], { account: scanner.account }));
figures.checkIn100 = Number(checkIn100);
figures.checkInPerTicket = Number(checkIn100 / 100n);

// ---------------------------------------------------------------- card sales (custody): a comp minted to the custody, voided on a card refund
const MINTER_ROLE = await main.ticket.read.MINTER_ROLE();
await main.ticket.write.grantRole([MINTER_ROLE, scanner.account.address], { account: organizer.account });
await gasOf(main.ticket.write.grantComps([STANDARD, [scanner.account.address]], { account: scanner.account }));
const compHash = await main.ticket.write.grantComps([STANDARD, [scanner.account.address]], { account: scanner.account });
const compReceipt = await publicClient.waitForTransactionReceipt({ hash: compHash });
figures.grantComp1 = Number(compReceipt.gasUsed);
const [compLog] = parseEventLogs({ abi: main.ticket.abi, eventName: "CompsGranted", logs: compReceipt.logs });
if (compLog === undefined) throw new Error("no CompsGranted");
figures.voidComp = Number(await gasOf(main.ticket.write.voidComp([compLog.args.firstTokenId], { account: scanner.account })));

// ---------------------------------------------------------------- resale
// buyer(4) bought tier 1 tickets #3..#12 above; it resells #3 (the sale window has closed by now)
const resaleTokenId = 1_000_000n + 3n;
const resalePrice = (price * 11n) / 10n;
figures.resaleList = Number(await gasOf(main.ticket.write.listForResale([resaleTokenId, resalePrice], { account: buyer(4).account })));
figures.resale = Number(await gasOf(main.ticket.write.buyResale([resaleTokenId, resalePrice], { account: resaleBuyer.account, value: resalePrice })));

// ---------------------------------------------------------------- settlement and claims
await networkHelpers.time.increaseTo(endsAt + refundWindow);
figures.settleEth = Number(await gasOf(main.ticket.write.settle([zeroAddress], { account: organizer.account })));
figures.settleErc20 = Number(await gasOf(main.ticket.write.settle([usdc.address], { account: organizer.account })));
figures.claimEth = Number(await gasOf(main.split.write.claim([zeroAddress], { account: sponsor.account })));
figures.claimEthWithFixed = Number(await gasOf(main.split.write.claim([zeroAddress], { account: artist.account })));
figures.claimEthOrganizer = Number(await gasOf(main.split.write.claim([zeroAddress], { account: organizer.account })));
figures.claimReferral = Number(await gasOf(main.split.write.claimReferral([zeroAddress], { account: referrer.account })));
figures.claimErc20 = Number(await gasOf(main.split.write.claim([usdc.address], { account: wallet(19).account })));

// ---------------------------------------------------------------- baseline: plain OpenZeppelin ERC-721 _mint
const baseline = await viem.deployContract("BaselineERC721");
await gasOf(baseline.write.mint([buyer(0).account.address, 1n]));
figures.baselineOzMint = Number(await gasOf(baseline.write.mint([buyer(1).account.address, 2n])));

// ---------------------------------------------------------------- targets
const targets: Array<[string, string, boolean]> = [
  ["purchase1Eth", "<= 130,000", Number(figures.purchase1Eth) <= 130_000],
  ["purchase1EthWithReferrer", "<= 140,000", Number(figures.purchase1EthWithReferrer) <= 140_000],
  ["purchaseBatchPerExtraTicket", "<= 30,000", Number(figures.purchaseBatchPerExtraTicket) <= 30_000],
  ["purchase1Eth50Payees", "within 1 % of purchase1Eth", Math.abs(Number(figures.purchase50VsPurchase1EthPct)) <= 1],
  ["claimEth", "<= 60,000", Number(figures.claimEth) <= 60_000],
  ["checkInPerTicket", "<= 5,000", Number(figures.checkInPerTicket) <= 5_000],
  ["createEvent", "<= 700,000", Number(figures.createEvent) <= 700_000],
];
console.log("\ntargets");
for (const [key, target, ok] of targets) {
  console.log(`${ok ? "pass" : "FAIL"}  ${key.padEnd(28)} ${String(figures[key]).padStart(9)}  target ${target}`);
  figures[`${key}Pass`] = ok;
}

await writeBenchReport("gas", figures, [
  "total gas of each transaction (receipt.gasUsed), in-process Hardhat network, Cancun",
  "createEvent: 3 tiers (2 ETH, 1 ERC-20), 4 payees (2 with fixed amounts, in ETH and in the ERC-20) + the platform payee, 4 URIs/names",
  "purchase1Eth: first ticket of a new buyer; purchaseBatchPerExtraTicket = (batch of 10 - purchase1Eth) / 9",
  "purchase1EthWithReferrer: the same through a referrer credited before (5 % referral share); ...WithNewReferrer: a referrer's first credit",
  "claimReferral: a referrer's first ETH claim, after settlement",
  "purchase1Eth50Payees: the same purchase in an event whose split has 50 payees (platform included)",
  "checkInPerTicket = one checkIn of 100 tickets / 100; claimEth: a bps payee's first claim",
]);
