import express, { type Request } from "express";
import type { RouteDeps } from "../../http/route-deps.js";
import { requireAuth } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import type { ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { checkoutPage, safeReturnPath } from "./checkout-page.js";
import type { CustodyService } from "./custody.js";
import type { TopupService } from "./topups.js";
import * as s from "./schemas.js";
import type { PaymentsService } from "./service.js";
import { TestPaymentProvider } from "./test-provider.js";

export const WEBHOOK_PATH = "/api/v1/payments/webhooks";

/** The webhook route needs the raw bytes (signatures are over them): app.ts mounts this before the JSON parser. */
export const webhookRawBody = express.raw({ type: () => true, limit: "256kb" });

export function paymentRoutes(api: ApiRouter, deps: RouteDeps & { payments: PaymentsService; custody: CustodyService; topups: TopupService }): void {
  const { payments, custody, topups } = deps;
  const tags = ["payments"];

  api.route({
    method: "put",
    path: "/api/v1/event-contracts/{eventContractId}/tiers/{tierId}/card-price",
    tags,
    summary: "Set what a tier costs by card",
    access: requireAuth,
    params: z.object({ eventContractId: z.uuid(), tierId: z.coerce.number().int().min(1).max(255) }),
    body: s.CardPriceBody,
    response: s.CardPrice,
    handler: ({ principal, audit, params, body }) => payments.setCardPrice(principal, audit, params.eventContractId, params.tierId, body),
  });

  // the custody minter's role on the event contract (minter-role.ts)
  const EventContractParams = z.object({ eventContractId: z.uuid() });
  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/card-minter",
    tags,
    summary: "Whether the platform's custody minter holds MINTER_ROLE on this event (read on-chain): card sales need it",
    access: requireAuth,
    params: EventContractParams,
    response: s.MinterStatus,
    handler: ({ principal, params }) => payments.minter.status(principal, params.eventContractId),
  });
  for (const action of ["grant", "revoke"] as const) {
    api.route({
      method: "post",
      path: `/api/v1/event-contracts/{eventContractId}/card-minter/${action}`,
      tags,
      summary: `The unsigned ${action === "grant" ? "grantRole" : "revokeRole"}(MINTER_ROLE, custody) call for the event admin's wallet to send`,
      description: "Nothing is sent by the platform: the organizer's wallet (the event's admin, `from`) sends { to, data, value } on chainId.",
      access: requireAuth,
      params: EventContractParams,
      response: s.MinterCall,
      status: 200,
      handler: ({ principal, params }) => payments.minter.call(principal, params.eventContractId, action),
    });
  }

  // cashless top-ups by card (topups.ts)
  api.route({
    method: "post",
    path: "/api/v1/editions/{editionId}/cashless/card-topups",
    tags,
    summary: "Top up your own cashless band by card: pay at checkoutUrl; the band is credited once the card is authorized, then charged",
    access: requireAuth,
    params: z.object({ editionId: z.uuid() }),
    body: s.TopupBody,
    response: s.Topup,
    idempotent: true,
    handler: ({ principal, audit, params, body }) => topups.create(principal, audit, params.editionId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/cashless/card-topups/{orderId}",
    tags,
    summary: "One of your card top-ups",
    access: requireAuth,
    params: z.object({ orderId: z.uuid() }),
    response: s.Topup,
    handler: ({ principal, params }) => topups.get(principal, params.orderId),
  });
  api.route({
    method: "post",
    path: "/api/v1/cashless/card-topups/{orderId}/refund",
    tags,
    summary: "The unspent part of a card top-up back to the card, exactly once",
    access: requireAuth,
    params: z.object({ orderId: z.uuid() }),
    response: s.TopupRefund,
    status: 202,
    idempotent: true,
    handler: ({ principal, audit, params }) => topups.refund(principal, audit, params.orderId),
  });

  api.route({
    method: "get",
    path: "/api/v1/event-contracts/{eventContractId}/card-prices",
    tags,
    summary: "What each tier of an event costs by card (tiers without a card price are not sold by card)",
    description: "Public, for the shop's tier view. An unknown event answers an empty list.",
    access: "public",
    params: z.object({ eventContractId: z.uuid() }),
    response: z.object({ items: z.array(s.CardPrice) }),
    handler: ({ params }) => payments.cardPrices(params.eventContractId),
  });

  api.route({
    method: "post",
    path: "/api/v1/card-orders",
    tags,
    summary: "Order tickets by card: reserves them for a while and opens the payment",
    description:
      "The quantity is held against the tier's remaining on-chain supply until expiresAt. Pay at payment.checkoutUrl (test mode) or " +
      "confirm payment.clientSecret with Stripe.js; the ticket is minted once the card is authorized, and the card charged once it is minted.",
    access: requireAuth,
    body: s.CreateOrderBody,
    response: s.Order,
    idempotent: true,
    handler: ({ principal, audit, body }) => payments.createOrder(principal, audit, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/card-orders",
    tags,
    summary: "Your card orders, newest first",
    access: requireAuth,
    query: PageQuery,
    response: pageOf(s.Order),
    handler: ({ principal, query }) => payments.listOrders(principal, query),
  });
  api.route({
    method: "get",
    path: "/api/v1/card-orders/{orderId}",
    tags,
    summary: "One of your card orders, with its tickets",
    access: requireAuth,
    params: z.object({ orderId: z.uuid() }),
    response: s.Order,
    handler: ({ principal, params }) => payments.getOrder(principal, params.orderId),
  });
  api.route({
    method: "post",
    path: "/api/v1/card-orders/{orderId}/refund",
    tags,
    summary: "Refund a card order by card, exactly once (its tickets are burned on-chain first)",
    description: "Festival managers and platform admins. A claimed ticket must be back in the custody first (409 ticket_not_returned).",
    access: requireAuth,
    params: z.object({ orderId: z.uuid() }),
    response: s.RefundResult,
    status: 202,
    idempotent: true,
    handler: ({ principal, audit, params }) => payments.requestRefund(principal, audit, params.orderId),
  });
  api.route({
    method: "post",
    path: "/api/v1/event-contracts/{eventContractId}/card-refunds",
    tags,
    summary: "An event cancelled on-chain: refund every card order by card",
    access: requireAuth,
    params: z.object({ eventContractId: z.uuid() }),
    response: s.CancellationRefunds,
    status: 202,
    idempotent: true,
    handler: ({ principal, audit, params }) => payments.refundCancelledEvent(principal, audit, params.eventContractId),
  });

  // custody
  api.route({
    method: "get",
    path: "/api/v1/me/custodial-tickets",
    tags,
    summary: "Your tickets held by the platform's custody",
    access: requireAuth,
    response: z.object({ items: z.array(s.CustodialTicket) }),
    handler: ({ principal }) => custody.list(principal),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/custodial-tickets/claim",
    tags,
    summary: "Claim custodial tickets into one of your linked wallets (all, or those named), in one request",
    access: requireAuth,
    body: s.ClaimBody,
    response: s.ClaimResult,
    status: 200,
    idempotent: true,
    handler: ({ principal, audit, body }) => custody.claim(principal, audit, body),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/custodial-tickets/{ticketId}/returned",
    tags,
    summary: "A claimed ticket you sent back to the custody is custodial again (needed before a card refund)",
    access: requireAuth,
    params: z.object({ ticketId: z.uuid() }),
    response: s.CustodialTicket,
    status: 200,
    handler: ({ principal, audit, params }) => custody.returned(principal, audit, params.ticketId),
  });
  api.route({
    method: "post",
    path: "/api/v1/me/custodial-tickets/{ticketId}/offers",
    tags,
    summary: "Offer a custodial ticket to another user by email (it moves when they accept)",
    access: requireAuth,
    params: z.object({ ticketId: z.uuid() }),
    body: s.OfferBody,
    response: s.Offer,
    handler: ({ principal, audit, params, body }) => custody.offer(principal, audit, params.ticketId, body),
  });
  api.route({
    method: "get",
    path: "/api/v1/me/transfer-offers",
    tags,
    summary: "Transfer offers you made or received",
    access: requireAuth,
    response: z.object({ items: z.array(s.Offer) }),
    handler: ({ principal }) => custody.offers(principal),
  });
  for (const decision of ["accept", "decline", "withdraw"] as const) {
    api.route({
      method: "post",
      path: `/api/v1/transfer-offers/{offerId}/${decision}`,
      tags,
      summary: decision === "withdraw" ? "Withdraw your offer" : `${decision === "accept" ? "Accept" : "Decline"} an offer made to you`,
      description:
        decision === "accept"
          ? "A free offer moves the ticket at once. A priced one answers awaiting_payment with a checkoutUrl: pay there; the ticket moves once the card is authorized."
          : "Refused (409 payment_pending) while the recipient's card payment for a priced offer is open.",
      access: requireAuth,
      params: z.object({ offerId: z.uuid() }),
      response: s.Offer,
      status: 200,
      handler: ({ principal, audit, params }) => custody.decide(principal, audit, params.offerId, decision),
    });
  }

  // webhooks: the raw body (webhookRawBody), so a plain route documented by hand
  api.registry.registerPath({
    method: "post",
    path: `${WEBHOOK_PATH}/{provider}`,
    tags,
    summary: "A payment provider's webhook (Stripe, or the test-mode provider): verified on the raw body, deduplicated by event id",
    request: { params: z.object({ provider: z.enum(["stripe", "test"]) }) },
    responses: {
      200: { description: "received (the work is queued)", content: { "application/json": { schema: s.WebhookAck } } },
      401: { description: "forged or stale signature" },
      404: { description: "unknown payment" },
      422: { description: "amount or currency differs from the order" },
    },
  });
  api.router.post(`${WEBHOOK_PATH}/:provider`, async (req, res, next) => {
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.json(await payments.receiveWebhook(String(req.params.provider), raw, req.headers));
    } catch (error) {
      next(error);
    }
  });

  // the test-mode provider's hosted checkout page
  const provider = payments.deps.provider;
  if (provider instanceof TestPaymentProvider) {
    const base = "/api/v1/payments/test-checkout/:paymentId";
    const form = express.urlencoded({ extended: false, limit: "4kb" });
    const useOrigin = (req: Request) => {
      const origin = `${req.protocol}://${req.get("host")}`;
      provider.sender = httpSender(`${origin}${WEBHOOK_PATH}/test`);
    };
    api.router.get(base, async (req, res, next) => {
      try {
        const intent = await provider.retrieve(String(req.params.paymentId)).catch(() => null);
        if (!intent) throw new HttpError(404, "payment_not_found", "no such test payment");
        res.setHeader("cache-control", "no-store");
        res.type("html").send(checkoutPage(intent, req.originalUrl.split("?")[0]!, safeReturnPath(req.query.return)));
      } catch (error) {
        next(error);
      }
    });
    api.router.post(`${base}/:action`, form, async (req, res, next) => {
      try {
        if (!["confirm", "authenticate", "fail"].includes(String(req.params.action))) throw new HttpError(404, "not_found", "no such checkout action");
        useOrigin(req);
        const id = String(req.params.paymentId);
        const before = await provider.retrieve(id).catch(() => null);
        if (!before) throw new HttpError(404, "payment_not_found", "no such test payment");
        const action = String(req.params.action);
        const card = typeof req.body?.cardNumber === "string" ? req.body.cardNumber : "";
        if (action === "confirm" && !/^[\d\s-]{12,23}$/.test(card)) {
          throw new HttpError(400, "invalid_input", "a test card number", [{ field: "body.cardNumber", message: "12 to 19 digits" }]);
        }
        const after = action === "confirm" ? await provider.confirm(id, card) : await provider.authenticate(id, action === "authenticate");
        if (req.is("application/x-www-form-urlencoded")) {
          // back to the page (keeping where it returns to): it shows the outcome
          const returnTo = safeReturnPath(req.query.return);
          const page = req.originalUrl.split("?")[0]!.replace(/\/(confirm|authenticate|fail)$/, "");
          res.redirect(303, returnTo ? `${page}?return=${encodeURIComponent(returnTo)}` : page);
        } else res.json(after);
      } catch (error) {
        next(error);
      }
    });
  }
}

/** The test provider's delivery: a POST to the API's own webhook endpoint, retried a few times. */
export function httpSender(url: string) {
  return async (rawBody: string, signature: string) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: rawBody }).catch(
        () => null,
      );
      if (res && res.status < 500) return;
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  };
}
