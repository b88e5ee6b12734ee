import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import * as s from "./schemas.js";
import type { EventContractsService } from "./service.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import { ticketsOnSale } from "./on-sale.js";

export function eventContractRoutes(api: ApiRouter, deps: RouteDeps & { eventContracts: EventContractsService }): void {
  const service = deps.eventContracts;
  const tags = ["event contracts"];
  const Params = z.object({ eventContractId: z.uuid() });

  api.route({
    method: "post",
    path: "/api/v1/festivals/{festivalId}/event-contracts",
    tags,
    summary: "Prepare an on-chain event for a festival: returns the EventFactory call to sign",
    description:
      'Tiers become ticket categories 1:1 (tier ids 1..n in order), each with the areas it may enter. With deployWith "server" ' +
      "(local chain only) the platform's deployer account is the organizer: then POST .../deploy sends it. The link becomes " +
      '"linked" once the indexer has mirrored EventCreated. Needs festival manager access (editions).',
    access: requireAuth,
    params: z.object({ festivalId: z.uuid() }),
    body: s.CreateEventContractBody,
    response: s.EventContract,
    handler: ({ principal, audit, params, body }) => service.create(principal, audit, params.festivalId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/event-contracts",
    tags,
    summary: "A festival's event contracts",
    access: requireAuth,
    params: z.object({ festivalId: z.uuid() }),
    query: PageQuery,
    response: pageOf(s.EventContract),
    handler: ({ principal, params, query }) => service.list(principal, params.festivalId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/festivals/{festivalId}/tickets-on-sale",
    tags,
    summary: "What a buyer needs: a festival's linked events, their ticket contract and each tier's on-chain terms",
    description: "From the chain mirror; the contract decides a purchase. An unknown festival answers an empty list.",
    access: "public",
    params: z.object({ festivalId: z.uuid() }),
    response: s.TicketsOnSale,
    handler: ({ params }) => ticketsOnSale(deps.db, params.festivalId),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}",
    tags,
    summary: "An event contract link (linked by the API's resolver once the indexer has seen it)",
    access: requireAuth,
    params: Params,
    response: s.EventContract,
    handler: ({ principal, params }) => service.get(principal, params.eventContractId),
  });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/transaction",
    tags,
    summary: "Report the createEvent transaction your wallet sent (or the factory's event id)",
    access: requireAuth,
    params: Params,
    body: s.ReportTransactionBody,
    response: s.EventContract,
    status: 200,
    handler: ({ principal, audit, params, body }) => service.reportTransaction(principal, audit, params.eventContractId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/deploy",
    tags,
    summary: "Local chain: the platform's deployer account sends createEvent and grants the scanner role",
    access: requireAuth,
    params: Params,
    response: s.EventContract,
    status: 200,
    idempotent: true,
    handler: ({ principal, audit, params }) => service.deploy(principal, audit, params.eventContractId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/event-contracts/{eventContractId}/categories/{tierId}",
    tags,
    summary: "Rename a ticket category or change the areas it may enter",
    access: requireAuth,
    params: Params.extend({ tierId: z.coerce.number().int().min(1).max(255) }),
    body: s.UpdateCategoryBody,
    response: s.EventContract,
    handler: ({ principal, audit, params, body }) => service.updateCategory(principal, audit, params.eventContractId, params.tierId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/tiers",
    tags,
    summary: "Sales, holders, check-ins and revenue per tier (from the chain mirror)",
    access: requireAuth,
    params: Params,
    query: PageQuery,
    response: pageOf(s.TierStats),
    handler: ({ principal, params, query }) => service.tierStats(principal, params.eventContractId, query),
  });
}
