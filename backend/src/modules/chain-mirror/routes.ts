import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { claimHistory, eventPayees, type EventContractAccess } from "./payouts.js";

const Address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "a 0x address")
  .transform((a) => a.toLowerCase());

const Claim = z
  .object({
    chainId: z.number(),
    splitAddress: z.string(),
    eventContractId: z.string().nullable(),
    eventName: z.string().nullable(),
    payee: z.string(),
    paidTo: z.string(),
    token: z.string(),
    currency: z.string(),
    amount: z.string(),
    txHash: z.string(),
    blockNumber: z.string(),
    claimedAt: z.string(),
  })
  .openapi("PayoutClaim");

const Balance = z.object({ currency: z.string(), token: z.string(), entitled: z.string(), released: z.string(), claimable: z.string() });
const EventPayees = z
  .object({
    splitAddress: z.string().nullable(),
    totals: z.array(z.object({ currency: z.string(), token: z.string(), received: z.string(), released: z.string() })),
    payees: z.array(z.object({ account: z.string(), shareBps: z.number().nullable(), balances: z.array(Balance) })),
  })
  .openapi("EventSplitPayees");

export function chainMirrorRoutes(api: ApiRouter, deps: RouteDeps & { eventContracts: EventContractAccess }): void {
  const tags = ["payouts"];
  api.route({
    method: "get",
    path: "/api/v1/me/payouts/claims",
    tags,
    summary: "Your payout claim history: every revenue split claim of your proven wallets, newest first",
    description: "From the chain mirror. `account` narrows it to one of your wallets; another address gives an empty page.",
    access: requireAuth,
    query: PageQuery.extend({ account: Address.optional() }),
    response: pageOf(Claim),
    handler: ({ principal, query }) => claimHistory(deps.db, principal, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/payees",
    tags,
    summary: "An event's revenue split per payee: entitled from what it received, claimed, and still owed, per currency",
    access: requireAuth,
    params: z.object({ eventContractId: z.uuid() }),
    response: EventPayees,
    handler: ({ principal, params }) => eventPayees(deps.db, deps.eventContracts, principal, params.eventContractId),
  });
}
