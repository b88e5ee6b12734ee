import { z } from "../../http/zod.js";
import { Address } from "../../http/chain-schemas.js";

export const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "an ISO 4217 code in capitals, e.g. EUR")
  .openapi({ example: "EUR" });

export const CardPriceBody = z.strictObject({ amount: z.number().int().min(50).max(100_000_000), currency: Currency }).openapi("CardPriceBody");
export const CardPrice = z
  .object({ eventContractId: z.string(), tierId: z.number().int(), amount: z.number().int(), currency: z.string() })
  .openapi("CardPrice");

export const CreateOrderBody = z
  .strictObject({
    eventContractId: z.uuid(),
    tierId: z.number().int().min(1).max(255),
    quantity: z.number().int().min(1).max(20),
    /** Mint straight to this linked wallet instead of the custody. */
    deliverTo: Address.optional(),
  })
  .openapi("CreateCardOrderBody");

export const CustodialTicket = z
  .object({
    id: z.string(),
    orderId: z.string(),
    chainId: z.number().int(),
    contract: z.string(),
    tokenId: z.string(),
    status: z.enum(["custody", "claiming", "claimed", "voided"]),
    custodyAddress: z.string(),
    claimedTo: z.string().nullable(),
  })
  .openapi("CustodialTicket");

export const Order = z
  .object({
    id: z.string(),
    eventContractId: z.string(),
    tierId: z.number().int(),
    quantity: z.number().int(),
    unitAmount: z.number().int(),
    amount: z.number().int(),
    currency: z.string(),
    deliverTo: z.string().nullable(),
    status: z.enum(["reserved", "authorized", "minting", "minted", "completed", "expired", "cancelled", "refunding", "refunded"]),
    statusReason: z.string().nullable(),
    expiresAt: z.string(),
    mintTxHash: z.string().nullable(),
    firstTokenId: z.string().nullable(),
    payment: z
      .object({
        provider: z.string(),
        providerPaymentId: z.string(),
        status: z.string(),
        checkoutUrl: z.string().nullable(),
        clientSecret: z.string().nullable(),
        /** Why the last attempt failed, in the provider's words ("Your card was declined."); null otherwise. */
        lastError: z.string().nullable(),
      })
      .nullable(),
    createdAt: z.string(),
    tickets: z.array(CustodialTicket).optional(),
  })
  .openapi("CardOrder");

export const ClaimBody = z.strictObject({ wallet: Address, ticketIds: z.array(z.uuid()).max(50).optional() }).openapi("ClaimBody");
export const ClaimResult = z.object({ wallet: z.string(), items: z.array(CustodialTicket) }).openapi("ClaimResult");

export const OfferBody = z.strictObject({ email: z.email().max(320), price: z.number().int().min(0).max(100_000_000).optional() }).openapi("TransferOfferBody");
export const Offer = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    fromUserId: z.string(),
    toEmail: z.string(),
    price: z.number().int(),
    currency: z.string(),
    status: z.enum(["pending", "accepted", "declined", "withdrawn"]),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("TransferOffer");

export const RefundResult = z.object({ orderId: z.string(), status: z.literal("refunding") }).openapi("RefundStarted");
export const CancellationRefunds = z
  .object({ refunding: z.number().int(), alreadyRefunded: z.number().int(), awaitingReturn: z.number().int() })
  .openapi("CancellationRefunds");

export const WebhookAck = z.object({ received: z.boolean(), duplicate: z.boolean(), ignored: z.boolean() }).openapi("PaymentWebhookAck");
