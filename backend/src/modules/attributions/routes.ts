import { requireAuth } from "../../http/auth.js";
import { PageQuery, pageOf } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import type { RouteDeps } from "../../http/route-deps.js";
import type { EventContractsService } from "../event-contracts/service.js";
import {
  AcceptAttributionBody,
  Attribution,
  AttributionParams,
  EditionParams,
  EventContractParams,
  PayeeSetCall,
  ProposeAttributionBody,
  ReferralCodeParams,
  ReferralEarnings,
  ReferralLink,
  UpdateAttributionBody,
} from "./schemas.js";
import { AttributionsService } from "./service.js";
import { myPayouts } from "./payouts.js";
import { z } from "../../http/zod.js";

const tags = ["attributions"];

export function attributionRoutes(api: ApiRouter, deps: RouteDeps & { eventContracts: EventContractsService }): void {
  const attributions = new AttributionsService({ db: deps.db, eventContracts: deps.eventContracts });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/attributions",
    summary: "Propose an attribution (a share or a fixed amount of the event's revenue) to a contributor",
    tags,
    description:
      "Festival managers (scope editions) of a linked event contract whose split is not locked. The contributor is a platform user by role profile (artist, content_creator, sponsor) or an outside address; a fixed amount is in one of the event's tier currencies. 409 split_locked once the split is locked.",
    access: requireAuth,
    params: EventContractParams,
    body: ProposeAttributionBody,
    response: Attribution,
    handler: ({ principal, audit, params, body }) => attributions.propose(principal, audit, params.eventContractId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/attributions",
    summary: "An event's attributions, each linked to its on-chain payee, with paid and claimable from the mirror",
    tags,
    access: requireAuth,
    params: EventContractParams,
    query: PageQuery,
    response: pageOf(Attribution),
    handler: ({ principal, params, query }) => attributions.list(principal, params.eventContractId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/attributions",
    summary: "Propose an attribution of an edition (a share of all its events' revenue, or a fixed amount)",
    tags,
    description:
      "Festival managers (scope editions). The edition's accepted percentages stay within 100 %; each event's split encodes them through its own attributions. A fixed amount is in a tier currency of one of the edition's event contracts.",
    access: requireAuth,
    params: EditionParams,
    body: ProposeAttributionBody,
    response: Attribution,
    handler: ({ principal, audit, params, body }) => attributions.proposeForEdition(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/editions/{editionId}/attributions",
    summary: "An edition's attributions, with what the edition's event splits paid and owe each payout address",
    tags,
    access: requireAuth,
    params: EditionParams,
    query: PageQuery,
    response: pageOf(Attribution),
    handler: ({ principal, params, query }) => attributions.listForEdition(principal, params.editionId, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/payee-set",
    summary: "The RevenueSplit.setPayees call the accepted attributions derive",
    tags,
    description: "Sign and send it from the organizer's wallet. 409 split_locked once the split is locked; 422 when the split would refuse it.",
    access: requireAuth,
    params: EventContractParams,
    response: PayeeSetCall,
    handler: ({ principal, params }) => attributions.payeeSet(principal, params.eventContractId),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/attributions",
    summary: "The caller's attributions (as a platform contributor or through its wallets)",
    tags,
    access: requireAuth,
    query: PageQuery,
    response: pageOf(Attribution),
    handler: ({ principal, query }) => attributions.mine(principal, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/payouts",
    summary: "What each event's revenue split owes your wallets: share, entitled, claimed and claimable per currency",
    description: "From the chain mirror. Claiming is your wallet's own transaction: RevenueSplit.claim(token) on splitAddress.",
    tags,
    access: requireAuth,
    response: MyPayouts,
    handler: ({ principal }) => myPayouts(deps.db, principal.userId),
  });
  api.route({
    method: "patch",
    path: "/api/v1/attributions/{attributionId}",
    summary: "Change an attribution's terms (organizer); an accepted one goes back to proposed",
    tags,
    description: "409 split_locked once the split is locked.",
    access: requireAuth,
    params: AttributionParams,
    body: UpdateAttributionBody,
    response: Attribution,
    handler: ({ principal, audit, params, body }) => attributions.update(principal, audit, params.attributionId, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/attributions/{attributionId}/accept",
    summary: "Accept a proposed attribution (the contributor only)",
    tags,
    description:
      "The payout address is one of the caller's EVM wallets (an outside address is paid at itself). 422 shares_exceed_100_percent when the event's accepted shares plus the platform fee would exceed 100 %; 403/404 for anyone but the contributor.",
    access: requireAuth,
    params: AttributionParams,
    body: AcceptAttributionBody,
    response: Attribution,
    status: 200,
    handler: ({ principal, audit, params, body }) => attributions.decide(principal, audit, params.attributionId, "accepted", body.payoutAddress),
  });
  api.route({
    method: "post",
    path: "/api/v1/attributions/{attributionId}/reject",
    summary: "Reject a proposed attribution (the contributor only)",
    tags,
    access: requireAuth,
    params: AttributionParams,
    response: Attribution,
    status: 200,
    handler: ({ principal, audit, params }) => attributions.decide(principal, audit, params.attributionId, "rejected"),
  });
  api.route({
    method: "post",
    path: "/api/v1/attributions/{attributionId}/withdraw",
    summary: "Withdraw a proposal (organizer)",
    tags,
    access: requireAuth,
    params: AttributionParams,
    response: Attribution,
    status: 200,
    handler: ({ principal, audit, params }) => attributions.withdraw(principal, audit, params.attributionId),
  });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/referral-links",
    summary: "The caller's referral link for an event (content creators and sponsors)",
    tags,
    access: requireAuth,
    params: EventContractParams,
    response: ReferralLink,
    status: 200,
    handler: ({ principal, audit, params }) => attributions.referralLink(principal, audit, params.eventContractId),
  });
  api.route({
    method: "get",
    path: "/api/v1/referral-links/{code}",
    summary: "What a referral code names: the event's ticket contract and the referrer's address",
    tags,
    access: "public",
    params: ReferralCodeParams,
    response: ReferralLink,
    handler: ({ params }) => attributions.resolveReferral(params.code),
  });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/referral-earnings",
    summary: "Referral earnings per referrer and currency, from the chain mirror",
    tags,
    description: "Festival members see every referrer; others their own wallets'.",
    access: requireAuth,
    params: EventContractParams,
    response: ReferralEarnings,
    handler: ({ principal, params }) => attributions.referralEarnings(principal, params.eventContractId),
  });
}

const MyPayouts = z
  .object({
    items: z.array(
      z.object({
        chainId: z.number().int(),
        splitAddress: z.string(),
        ticketAddress: z.string(),
        account: z.string(),
        shareBps: z.number().int().nullable(),
        eventContractId: z.string().nullable(),
        eventName: z.string().nullable(),
        festivalId: z.string().nullable(),
        balances: z.array(z.object({ currency: z.string(), token: z.string(), entitled: z.string(), released: z.string(), claimable: z.string() })),
      }),
    ),
    wallets: z.array(z.string()),
  })
  .openapi("MyPayouts");
