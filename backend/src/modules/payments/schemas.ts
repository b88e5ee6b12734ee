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
    status: z.enum(["reserved", "authorized", "minting", "minted", "delivered", "completed", "expired", "cancelled", "refunding", "refunded"]),
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
    status: z.enum(["pending", "awaiting_payment", "accepted", "declined", "withdrawn", "cancelled"]),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    /** A priced offer the caller accepted and has not paid yet: where to pay (the test provider's hosted page). Present: redirect there. */
    checkoutUrl: z.string().nullable().optional(),
    /** The same payment for Stripe.js (null in test mode). */
    clientSecret: z.string().nullable().optional(),
    /** The resale's card order. */
    orderId: z.string().optional(),
    /** The seller's view of a paid priced offer: what the platform owes them. */
    sellerCredit: z
      .object({ amount: z.number().int(), currency: z.string(), status: z.enum(["owed", "paid"]) })
      .nullable()
      .optional(),
  })
  .openapi("TransferOffer");

export const TopupBody = z
  .strictObject({
    amount: z.number().int().min(1).max(100_000_000),
    currency: Currency,
    /** Which of your bands in the edition (needed only when you have several). */
    wristbandId: z.uuid().optional(),
  })
  .openapi("CardTopupBody");
export const Topup = z
  .object({
    id: z.string(),
    editionId: z.string().nullable(),
    wristbandId: z.string().nullable(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(["reserved", "authorized", "minting", "minted", "delivered", "completed", "expired", "cancelled", "refunding", "refunded"]),
    statusReason: z.string().nullable(),
    refundAmount: z.number().int().nullable(),
    expiresAt: z.string(),
    checkoutUrl: z.string().nullable(),
    clientSecret: z.string().nullable(),
    paymentStatus: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("CardTopup");
export const TopupRefund = z
  .object({ orderId: z.string(), status: z.literal("refunding"), amount: z.number().int(), currency: z.string() })
  .openapi("CardTopupRefundStarted");

export const RefundResult = z.object({ orderId: z.string(), status: z.literal("refunding") }).openapi("RefundStarted");
export const CancellationRefunds = z
  .object({ refunding: z.number().int(), alreadyRefunded: z.number().int(), awaitingReturn: z.number().int() })
  .openapi("CancellationRefunds");

export const WebhookAck = z.object({ received: z.boolean(), duplicate: z.boolean(), ignored: z.boolean() }).openapi("PaymentWebhookAck");

export const MinterStatus = z
  .object({ eventContractId: z.string(), chainId: z.number().int(), contract: z.string(), minter: z.string(), admin: z.string(), granted: z.boolean() })
  .openapi("CardMinterStatus");
export const MinterCall = z
  .object({
    chainId: z.number().int(),
    from: z.string(),
    to: z.string(),
    data: z.string(),
    value: z.string(),
    minter: z.string(),
    granted: z.boolean(),
  })
  .openapi("CardMinterCall");
