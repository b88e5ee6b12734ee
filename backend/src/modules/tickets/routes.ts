import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import { PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { Address, Amount } from "../../http/chain-schemas.js";
import { myTickets, publicTicket } from "./service.js";

const Ticket = z
  .object({
    chainId: z.number().int(),
    contract: z.string(),
    tokenId: z.string(),
    tierId: z.number().int(),
    tierName: z.string().nullable(),
    category: z.string().nullable(),
    event: z.object({
      name: z.string(),
      startsAt: z.string(),
      endsAt: z.string(),
      cancelled: z.boolean(),
      transferPolicy: z.string(),
      eventContractId: z.string().nullable(),
      festivalId: z.string().nullable(),
    }),
    owner: z.string().nullable(),
    state: z.enum(["valid", "checked_in", "refunded", "cancelled"]),
    isComp: z.boolean(),
    faceValue: z.string(),
    currency: z.string(),
    mintedAt: z.string(),
    checkIn: z.object({
      onChain: z.boolean(),
      onChainAt: z.string().nullable(),
      atGate: z.boolean(),
      atGateAt: z.string().nullable(),
      anchorStatus: z.string().nullable(),
    }),
    resale: z.object({ listed: z.boolean(), price: z.string().nullable() }),
    refundState: z.string(),
    /** Held by the platform's custody for you (bought by card); claim it into a wallet to hold it yourself. */
    custodial: z.boolean().optional(),
    transfers: z.array(z.object({ from: z.string(), to: z.string(), blockNumber: z.string(), txHash: z.string(), at: z.string() })),
  })
  .openapi("Ticket");

export function ticketRoutes(api: ApiRouter, deps: RouteDeps): void {
  const { db } = deps;
  const tags = ["tickets"];
  api.route({
    method: "get",
    path: "/api/v1/me/tickets",
    tags,
    summary: "Your tickets, across all your linked wallets",
    access: requireAuth,
    query: PageQuery,
    response: z.object({ items: z.array(Ticket), nextCursor: z.string().nullable(), wallets: z.array(z.string()) }),
    handler: ({ principal, query }) => myTickets(db, principal, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/tickets/{contract}/{tokenId}",
    tags,
    summary: "A ticket's public page",
    access: "public",
    params: z.object({ contract: Address, tokenId: Amount }),
    response: Ticket,
    handler: ({ params }) => publicTicket(db, deps.chain?.chainId, params.contract, params.tokenId),
  });
}
