import { Address, Amount, TxHash } from "../../http/chain-schemas.js";
import { z } from "../../http/zod.js";
import { Zone } from "../gate/schemas.js";

const ZERO = "0x0000000000000000000000000000000000000000";
const ZoneCode = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase letters, digits and dashes")
  .max(40);

export const ZoneInput = z.object({
  code: ZoneCode,
  name: z.string().min(1).max(120),
  kind: z.enum(["entrance", "area"]).default("area"),
  capacity: z.number().int().positive().max(10_000_000).nullable().optional(),
  /** Default: false for entrances (a ticket enters the festival once), true for areas. */
  allowReentry: z.boolean().optional(),
});

export const TierInput = z.object({
  name: z.string().min(1).max(64),
  description: z.string().max(1000).optional(),
  price: Amount,
  currency: Address.default(ZERO),
  supply: z.number().int().positive().max(999_999),
  maxPerBuyer: z.number().int().min(0).max(65_535).default(0),
  saleStart: z.iso.datetime({ offset: true }),
  saleEnd: z.iso.datetime({ offset: true }),
  transferable: z.boolean().default(true),
  /** Codes of the areas this category may enter; entrances admit every category. */
  zones: z.array(ZoneCode).max(50).default([]),
});

export const PayeeInput = z.object({
  account: Address,
  shareBps: z.number().int().min(0).max(10_000),
  fixedAmount: Amount.default("0"),
  fixedToken: Address.default(ZERO),
});

export const CreateEventContractBody = z
  .strictObject({
    editionId: z.uuid().optional(),
    eventId: z.uuid().optional(),
    /** "wallet": the organizer signs the returned call; "server": the platform's deployer account sends it (local chain only). */
    deployWith: z.enum(["wallet", "server"]).default("wallet"),
    /** The organizer's wallet (one of yours); ignored with deployWith "server". */
    organizerAddress: Address.optional(),
    name: z.string().min(1).max(120),
    symbol: z.string().min(1).max(16),
    baseUri: z.string().max(500).default(""),
    contractUri: z.string().max(500).default(""),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    refundWindowSeconds: z
      .number()
      .int()
      .min(0)
      .max(365 * 86_400)
      .default(7 * 86_400),
    transferPolicy: z.enum(["free", "resale_only", "soulbound"]).default("free"),
    resaleCapBps: z.number().int().min(0).max(65_535).default(1000),
    royaltyBps: z.number().int().min(0).max(10_000).default(500),
    zones: z.array(ZoneInput).min(1).max(50),
    tiers: z.array(TierInput).min(1).max(255),
    payees: z.array(PayeeInput).max(100).default([]),
  })
  .superRefine((b, ctx) => {
    if (Date.parse(b.endsAt) <= Date.parse(b.startsAt)) ctx.addIssue({ code: "custom", path: ["endsAt"], message: "must be after startsAt" });
    const codes = new Set((b.zones ?? []).map((zn) => zn.code));
    if (codes.size !== (b.zones ?? []).length) ctx.addIssue({ code: "custom", path: ["zones"], message: "zone codes must be unique" });
    if (!(b.zones ?? []).some((zn) => zn.kind === "entrance")) ctx.addIssue({ code: "custom", path: ["zones"], message: "needs at least one entrance" });
    (b.tiers ?? []).forEach((t, i) => {
      if (Date.parse(t.saleEnd) <= Date.parse(t.saleStart)) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "saleEnd"], message: "must be after saleStart" });
      }
      // the contract ends every sale by the event's end (nothing sells after settlement)
      if (Date.parse(t.saleEnd) > Date.parse(b.endsAt)) {
        ctx.addIssue({ code: "custom", path: ["tiers", i, "saleEnd"], message: "must not be after endsAt" });
      }
      // refinements run even when a field failed its own check: never assume it is valid here
      if (typeof t.price === "string" && /^\d+$/.test(t.price) && BigInt(t.price) >= 2n ** 96n)
        ctx.addIssue({ code: "custom", path: ["tiers", i, "price"], message: "must fit uint96" });
      (t.zones ?? []).forEach((code, j) => {
        if (!codes.has(code)) ctx.addIssue({ code: "custom", path: ["tiers", i, "zones", j], message: `unknown zone ${code}` });
      });
    });
    const shares = (b.payees ?? []).reduce((n, p) => n + p.shareBps, 0);
    if (shares > 10_000) ctx.addIssue({ code: "custom", path: ["payees"], message: "shares add up to more than 100 %" });
    if (b.deployWith === "wallet" && !b.organizerAddress) {
      ctx.addIssue({ code: "custom", path: ["organizerAddress"], message: "required when deployWith is wallet" });
    }
  });
export type CreateEventContractBody = z.output<typeof CreateEventContractBody>;

export const ChainCall = z.object({
  chainId: z.number().int(),
  to: z.string(),
  data: z.string(),
  value: z.string(),
});

export const Category = z
  .object({ id: z.uuid(), tierId: z.number().int(), name: z.string(), description: z.string().nullable(), zones: z.array(z.string()) })
  .openapi("TicketCategory");

export const EventContract = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    editionId: z.uuid().nullable(),
    eventId: z.uuid().nullable(),
    chainId: z.number().int(),
    status: z
      .enum(["pending", "linked", "discarded"])
      .openapi({ description: "discarded: its chain was replaced (a new local dev chain); deploy the event again" }),
    name: z.string(),
    organizerAddress: z.string(),
    factoryAddress: z.string(),
    deployTxHash: z.string().nullable(),
    chainEventId: z.string().nullable(),
    ticketAddress: z.string().nullable(),
    splitAddress: z.string().nullable(),
    linkedAt: z.string().nullable(),
    /** Why a pending link whose event the mirror has could not be linked (its event belongs to another link). */
    linkError: z.string().nullable(),
    scannerAddress: z.string().nullable(),
    scannerGranted: z.boolean(),
    /** Sign and send this from the organizer's wallet (EventFactory.createEvent). */
    createEventCall: ChainCall,
    /** Once linked and until done: grant the platform's scanner SCANNER_ROLE (sent by the event admin). */
    grantScannerCall: ChainCall.nullable(),
    zones: z.array(Zone),
    categories: z.array(Category),
  })
  .openapi("EventContract");

export const ReportTransactionBody = z
  .strictObject({ txHash: TxHash.optional(), chainEventId: Amount.optional() })
  .refine((b) => b.txHash !== undefined || b.chainEventId !== undefined, { message: "give txHash or chainEventId" });

export const UpdateCategoryBody = z.strictObject({
  name: z.string().min(1).max(64).optional(),
  description: z.string().max(1000).nullable().optional(),
  zones: z.array(ZoneCode).max(50).optional(),
});

export const TierStats = z
  .object({
    tierId: z.number().int(),
    category: z.string(),
    zones: z.array(z.string()),
    onChain: z
      .object({
        price: z.string(),
        currency: z.string(),
        supply: z.string(),
        sold: z.string(),
        comped: z.string(),
        minted: z.string(),
        revenue: z.string(),
      })
      .nullable(),
    holders: z.number().int(),
    checkedInOnChain: z.number().int(),
    admittedAtGate: z.number().int(),
  })
  .openapi("TierStats");

export const TicketsOnSale = z
  .object({
    items: z.array(
      z.object({
        eventContractId: z.uuid(),
        /** The festival's event this contract sells (its waitlist is /events/{eventId}/waitlist), if linked to one. */
        eventId: z.uuid().nullable(),
        name: z.string(),
        chainId: z.number().int(),
        contract: z.string(),
        cancelled: z.boolean(),
        tiers: z.array(
          z.object({
            tierId: z.number().int(),
            name: z.string(),
            /** Smallest unit of `currency` (wei for ETH). */
            price: z.string(),
            /** "ETH" or the ERC-20 token address. */
            currency: z.string(),
            remaining: z.string(),
            maxPerBuyer: z.string(),
            saleStart: z.string(),
            saleEnd: z.string(),
          }),
        ),
      }),
    ),
  })
  .openapi("TicketsOnSale");
