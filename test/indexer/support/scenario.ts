import { keccak256, parseEventLogs, toHex, type Abi, type Address, type Hex } from "viem";
import { eventTicketAbi } from "../../../lib/abis/EventTicket.js";
import { revenueSplitAbi } from "../../../lib/abis/RevenueSplit.js";
import { createEvent, ETH, type CreatedEvent, type TestChain } from "./platform.js";

export async function send(t: TestChain, from: Address, address: Address, abi: Abi, functionName: string, args: unknown[], value?: bigint): Promise<Hex> {
  const hash = await t.wallet(from).writeContract({ address, abi, functionName, args, value, account: from, chain: t.client.chain } as never);
  const receipt = await t.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
  return hash;
}

export const buy = async (t: TestChain, e: CreatedEvent, from: Address, tierId: bigint, quantity: bigint, to = from) => {
  const tier = (await t.client.readContract({ address: e.ticket, abi: eventTicketAbi, functionName: "tier", args: [tierId] })) as { price: bigint };
  const hash = await send(t, from, e.ticket, eventTicketAbi, "purchase", [tierId, quantity, to], tier.price * quantity);
  const receipt = await t.client.getTransactionReceipt({ hash });
  const [p] = parseEventLogs({ abi: eventTicketAbi, logs: receipt.logs, eventName: "TicketPurchased" });
  return p!.args.firstTokenId;
};

const role = (name: string) => keccak256(toHex(name));

/**
 * The scripted scenario: two events, single and batch purchases, comps, transfers, resales
 * (completed, cancelled, still listed), check-ins, a cancellation with refunds, settlement
 * and claims (by the payee and by someone else for a payee).
 */
export async function runScenario(t: TestChain): Promise<{ a: CreatedEvent; b: CreatedEvent }> {
  const [, organizer, artist, sponsor, fan1, fan2, fan3, fan4, scanner] = t.accounts as [Address, ...Address[]] & Address[];
  const a = await createEvent(t, {
    organizer: organizer!,
    payees: [
      { account: artist!, shareBps: 3000, fixedAmount: 10n ** 15n },
      { account: sponsor!, shareBps: 1000 },
    ],
  });
  const b = await createEvent(t, { organizer: organizer!, tiers: [{ name: "GA", price: 2n * 10n ** 15n }] });

  const single = await buy(t, a, fan1!, 1n, 1n);
  const batch = await buy(t, a, fan2!, 1n, 5n);
  const vip = await buy(t, a, fan3!, 2n, 2n);
  await send(t, organizer!, a.ticket, eventTicketAbi, "grantRole", [role("MINTER_ROLE"), organizer]);
  await send(t, organizer!, a.ticket, eventTicketAbi, "grantComps", [1n, [fan4, fan4]]);

  await send(t, fan2!, a.ticket, eventTicketAbi, "transferFrom", [fan2, fan4, batch + 1n]);
  // resale: completed, cancelled, still listed
  const [face] = (await t.client.readContract({ address: a.ticket, abi: eventTicketAbi, functionName: "refundAmount", args: [single] })) as [bigint, Address];
  await send(t, fan1!, a.ticket, eventTicketAbi, "listForResale", [single, face + face / 20n]);
  await send(t, fan3!, a.ticket, eventTicketAbi, "buyResale", [single, face + face / 20n], face + face / 20n);
  await send(t, fan2!, a.ticket, eventTicketAbi, "listForResale", [batch + 2n, face]);
  await send(t, fan2!, a.ticket, eventTicketAbi, "cancelResale", [batch + 2n]);
  await send(t, fan2!, a.ticket, eventTicketAbi, "listForResale", [batch + 3n, face]);

  await send(t, organizer!, a.ticket, eventTicketAbi, "grantRole", [role("SCANNER_ROLE"), scanner]);
  await send(t, scanner!, a.ticket, eventTicketAbi, "checkIn", [[vip, batch + 4n]]);

  // event B: sold, cancelled, one refund claimed, one still refundable
  const b1 = await buy(t, b, fan1!, 1n, 2n);
  await buy(t, b, fan2!, 1n, 1n);
  await send(t, organizer!, b.ticket, eventTicketAbi, "cancelEvent", []);
  await send(t, fan1!, b.ticket, eventTicketAbi, "claimRefunds", [[b1], fan4!]); // paid to another address

  // settlement of A after its end and refund window, then claims
  await t.rpc("evm_increaseTime", [200_000]);
  await t.mine();
  await send(t, fan1!, a.ticket, eventTicketAbi, "settle", [ETH]);
  await send(t, artist!, a.split, revenueSplitAbi, "claimTo", [ETH, fan4!]);
  await send(t, fan1!, a.split, revenueSplitAbi, "claimFor", [sponsor, ETH]);
  return { a, b };
}
