import { decodeFunctionData, encodeFunctionData, keccak256, stringToBytes, type Address, type Hex } from "viem";
import { eventFactoryAbi } from "../../../../lib/abis/EventFactory.js";
import { eventTicketAbi } from "../../../../lib/abis/EventTicket.js";
import type { CreateEventContractBody } from "./schemas.js";

/**
 * The prepared configuration of an on-chain event (the draft stored with a link), the chain
 * calls built from it, and the one comparison that decides whether something on the chain is
 * exactly this draft (a sent createEvent call, or a mirrored EventCreated with its tiers and payees).
 */
export const SCANNER_ROLE = keccak256(stringToBytes("SCANNER_ROLE"));
const TRANSFER_POLICY = { free: 0, resale_only: 1, soulbound: 2 } as const;
const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export interface Draft {
  eventConfig: {
    name: string;
    symbol: string;
    baseURI: string;
    contractURI: string;
    startsAt: number;
    endsAt: number;
    refundWindow: number;
    transferPolicy: number;
    resaleCapBps: number;
    royaltyBps: number;
  };
  tiers: Array<{
    name: string;
    price: string;
    currency: Address;
    supply: number;
    maxPerBuyer: number;
    saleStart: number;
    saleEnd: number;
    transferable: boolean;
  }>;
  payees: Array<{ account: Address; shareBps: number; fixedAmount: string; fixedToken: Address }>;
}

export function draftOf(body: CreateEventContractBody): Draft {
  return {
    eventConfig: {
      name: body.name,
      symbol: body.symbol,
      baseURI: body.baseUri,
      contractURI: body.contractUri,
      startsAt: unix(body.startsAt),
      endsAt: unix(body.endsAt),
      refundWindow: body.refundWindowSeconds,
      transferPolicy: TRANSFER_POLICY[body.transferPolicy],
      resaleCapBps: body.resaleCapBps,
      royaltyBps: body.royaltyBps,
    },
    tiers: body.tiers.map((t) => ({
      name: t.name,
      price: t.price,
      currency: t.currency,
      supply: t.supply,
      maxPerBuyer: t.maxPerBuyer,
      saleStart: unix(t.saleStart),
      saleEnd: unix(t.saleEnd),
      transferable: t.transferable,
    })),
    payees: body.payees,
  };
}

export function createEventCall(chainId: number, factory: Address, draft: Draft) {
  const data = encodeFunctionData({
    abi: eventFactoryAbi,
    functionName: "createEvent",
    args: [
      draft.eventConfig,
      draft.tiers.map((t) => ({ ...t, price: BigInt(t.price) })),
      draft.payees.map((p) => ({ ...p, fixedAmount: BigInt(p.fixedAmount) })),
    ],
  });
  return { chainId, to: factory, data, value: "0" };
}

export function grantScannerCall(chainId: number, ticket: Address, scanner: Address) {
  const data = encodeFunctionData({ abi: eventTicketAbi, functionName: "grantRole", args: [SCANNER_ROLE, scanner] });
  return { chainId, to: ticket, data, value: "0" };
}

/** The draft a createEvent calldata carries, or null when it is not a createEvent call. */
export function draftFromCalldata(data: Hex): Draft | null {
  try {
    const call = decodeFunctionData({ abi: eventFactoryAbi, data });
    if (call.functionName !== "createEvent") return null;
    const [config, tiers, payees] = call.args;
    return {
      eventConfig: config,
      tiers: tiers.map((t) => ({ ...t, price: String(t.price) })),
      payees: payees.map((p) => ({ ...p, fixedAmount: String(p.fixedAmount) })),
    };
  } catch {
    return null;
  }
}

/** A tier as the mirror stores it (chain_tier_changes; uint columns come back from pg as strings). */
export interface MirroredTier {
  name: string;
  price: string;
  currency: Address;
  supply: string | number;
  max_per_buyer: string | number;
  sale_start: string | number;
  sale_end: string | number;
  transferable: boolean;
}

/** A payee as the mirror stores it in chain_payee_sets.payees (JSON). */
export interface MirroredPayee {
  account: Address;
  shareBps: number | string;
  fixedAmount: string;
  fixedToken: Address;
}

/** The draft a mirrored creation carries: EventCreated's config, the tiers and payees its transaction set. */
export function draftFromMirror(config: Draft["eventConfig"], tiers: MirroredTier[], payees: MirroredPayee[]): Draft {
  return {
    eventConfig: config,
    tiers: tiers.map((t) => ({
      name: t.name,
      price: String(t.price),
      currency: t.currency,
      supply: Number(t.supply),
      maxPerBuyer: Number(t.max_per_buyer),
      saleStart: Number(t.sale_start),
      saleEnd: Number(t.sale_end),
      transferable: Boolean(t.transferable),
    })),
    payees: payees.map((p) => ({
      account: p.account,
      shareBps: Number(p.shareBps),
      fixedAmount: String(p.fixedAmount),
      fixedToken: p.fixedToken,
    })),
  };
}

/** True when two drafts configure the same event (field by field, addresses in any case). */
export function sameDraft(a: Draft, b: Draft): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(d: Draft) {
  const e = d.eventConfig;
  return {
    eventConfig: [
      e.name,
      e.symbol,
      e.baseURI,
      e.contractURI,
      Number(e.startsAt),
      Number(e.endsAt),
      Number(e.refundWindow),
      Number(e.transferPolicy),
      Number(e.resaleCapBps),
      Number(e.royaltyBps),
    ],
    tiers: d.tiers.map((t) => [
      t.name,
      String(t.price),
      t.currency.toLowerCase(),
      Number(t.supply),
      Number(t.maxPerBuyer),
      Number(t.saleStart),
      Number(t.saleEnd),
      Boolean(t.transferable),
    ]),
    payees: d.payees.map((p) => [p.account.toLowerCase(), Number(p.shareBps), String(p.fixedAmount), p.fixedToken.toLowerCase()]),
  };
}
