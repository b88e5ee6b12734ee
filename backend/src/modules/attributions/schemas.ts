import { Address, Amount } from "../../http/chain-schemas.js";
import { z } from "../../http/zod.js";
import { ChainCall } from "../event-contracts/schemas.js";

export const EventContractParams = z.object({ eventContractId: z.uuid() });
export const EditionParams = z.object({ editionId: z.uuid() });
export const AttributionParams = z.object({ attributionId: z.uuid() });
export const ReferralCodeParams = z.object({ code: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "not a referral code") });

export const ContributionType = z.enum(["performance", "promotion", "sponsorship", "production", "other"]);
export const Contributor = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.enum(["artist", "content_creator", "sponsor"]), profileId: z.uuid() }),
  z.strictObject({ kind: z.literal("address"), address: Address }),
]);

/** 1..10000 basis points; zero and negative shares are refused here (400), as the database would (check). */
const ShareBps = z.number().int().min(1, "a share is at least 1 bps").max(10_000, "a share is at most 10000 bps (100 %)");
const FixedAmount = Amount.refine((v) => BigInt(v) > 0n, "a fixed amount is more than 0");

export const ProposeAttributionBody = z
  .strictObject({
    contributor: Contributor,
    contributionType: ContributionType,
    shareBps: ShareBps.optional(),
    fixedAmount: FixedAmount.optional(),
    /** The token of the fixed amount (0x0 = ETH): one of the event's tier currencies. */
    currency: Address.optional(),
    note: z.string().max(2000).optional(),
  })
  .refine((b) => (b.shareBps === undefined) !== (b.fixedAmount === undefined), { message: "give shareBps or fixedAmount (not both)", path: ["shareBps"] })
  .refine((b) => (b.fixedAmount === undefined) === (b.currency === undefined), { message: "a fixed amount needs its currency", path: ["currency"] });

export const UpdateAttributionBody = z
  .strictObject({
    contributionType: ContributionType.optional(),
    shareBps: ShareBps.optional(),
    fixedAmount: FixedAmount.optional(),
    currency: Address.optional(),
    note: z.string().max(2000).nullable().optional(),
  })
  .refine((b) => !(b.shareBps !== undefined && b.fixedAmount !== undefined), { message: "give shareBps or fixedAmount (not both)", path: ["shareBps"] })
  .refine((b) => (b.fixedAmount === undefined) === (b.currency === undefined), { message: "a fixed amount needs its currency", path: ["currency"] });

export const AcceptAttributionBody = z.strictObject({
  /** One of the caller's EVM wallets (default: the primary one); an outside address is paid at itself. */
  payoutAddress: Address.optional(),
});

const Payout = z.object({ token: z.string(), entitled: z.string(), released: z.string(), claimable: z.string() });

export const Attribution = z
  .object({
    id: z.uuid(),
    /** One of the two: an event contract's attribution, or an edition's (all its events). */
    eventContractId: z.uuid().nullable(),
    editionId: z.uuid().nullable(),
    festivalId: z.uuid(),
    contributor: z.object({
      kind: z.enum(["artist", "content_creator", "sponsor", "address"]),
      profileId: z.uuid().nullable(),
      userId: z.uuid().nullable(),
      address: z.string().nullable(),
    }),
    contributionType: ContributionType,
    shareBps: z.number().int().nullable(),
    fixedAmount: z.string().nullable(),
    currency: z.string().nullable(),
    note: z.string().nullable(),
    status: z.enum(["proposed", "accepted", "rejected", "withdrawn"]),
    payoutAddress: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
    /** From the chain mirror: the split's current terms for the payout address (null: not a payee on-chain; always
     * null for an edition's attribution, whose payouts add up the edition's event splits). */
    onChain: z.object({ shareBps: z.number().int(), fixedAmount: z.string(), fixedToken: z.string() }).nullable(),
    /** From the mirror (claims): what the split owes the payout address per currency, paid and claimable. */
    payouts: z.array(Payout),
    /** paid: something was claimed and nothing is left to claim; the mirror is the one answer. */
    payoutStatus: z.enum(["not_on_chain", "on_chain", "claimable", "paid"]),
    /** Other accepted attributions share this payout address: the payouts are the address's total. */
    sharedPayee: z.boolean(),
  })
  .openapi("Attribution");

export const PayeeSetCall = z
  .object({
    /** Sign and send this from the organizer's wallet: RevenueSplit.setPayees with the accepted attributions. */
    call: ChainCall,
    payees: z.array(
      z.object({ account: z.string(), shareBps: z.number().int(), fixedAmount: z.string(), fixedToken: z.string(), attributionIds: z.array(z.uuid()) }),
    ),
    /** Platform fee + the payees' shares, in bps. */
    totalShareBps: z.number().int(),
    maxReferralShareBps: z.number().int(),
  })
  .openapi("PayeeSetCall");

export const ReferralLink = z
  .object({
    code: z.string(),
    eventContractId: z.uuid(),
    chainId: z.number().int(),
    ticketAddress: z.string(),
    referrerAddress: z.string(),
    /** EventTicket.purchaseWithReferrer(tierId, quantity, to, referrerAddress) names this referrer. */
    purchaseFunction: z.string(),
  })
  .openapi("ReferralLink");

export const ReferralEarning = z
  .object({
    referrer: z.string(),
    token: z.string(),
    credited: z.string(),
    entitled: z.string(),
    released: z.string(),
    claimable: z.string(),
  })
  .openapi("ReferralEarning");
export const ReferralEarnings = z.object({ eventContractId: z.uuid(), items: z.array(ReferralEarning) }).openapi("ReferralEarnings");
