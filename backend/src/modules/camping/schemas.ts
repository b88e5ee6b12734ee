import { z } from "../../http/zod.js";
import { PageQuery } from "../../http/pagination.js";
import { Address, Amount } from "../../http/chain-schemas.js";

export const CampingEditionParams = z.object({ editionId: z.uuid() });
export const CampingZoneParams = z.object({ zoneId: z.uuid() });
export const SpotParams = z.object({ spotId: z.uuid() });
export const BookingParams = z.object({ bookingId: z.uuid() });

const SpotKind = z.enum(["tent", "caravan", "campervan", "glamping", "accessible"]);

export const CampingZone = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    code: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    requiredTicket: z
      .object({ eventContractId: z.uuid(), tierId: z.number().int().nullable() })
      .nullable()
      .openapi({ description: "a booking needs a ticket of this event contract (and tier, a ticket type), if set" }),
  })
  .openapi("CampingZone");
export const CreateCampingZoneBody = z
  .strictObject({
    code: z
      .string()
      .max(64)
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lower-case words joined by hyphens"),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    requiredEventContractId: z.uuid().optional(),
    requiredTierId: z.number().int().min(1).optional(),
  })
  .refine((v) => v.requiredTierId === undefined || v.requiredEventContractId !== undefined, {
    message: "a ticket type is a tier of one event contract: give requiredEventContractId",
    path: ["requiredEventContractId"],
  });

const Price = z.object({ amountMinor: z.string().openapi({ description: "minor units (cents), as a string" }), currency: z.string() });
export const Spot = z
  .object({ id: z.uuid(), zoneId: z.uuid(), code: z.string(), kind: SpotKind, sizeSqm: z.number().int(), price: Price, available: z.boolean().optional() })
  .openapi("CampingSpot");
export const CreateSpotsBody = z.strictObject({
  spots: z
    .array(
      z.strictObject({
        code: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, "1 to 32 letters, digits or hyphens"),
        kind: SpotKind,
        sizeSqm: z.number().int().min(1).max(10_000),
        priceMinor: z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,18}$/)]).transform(String),
        currency: z.string().regex(/^[A-Z]{3}$/, "ISO 4217, upper case"),
      }),
    )
    .min(1)
    .max(1000),
});
export const SpotListQuery = PageQuery.extend({ kind: SpotKind.optional(), available: z.enum(["true", "false"]).optional() });

export const Booking = z
  .object({
    id: z.uuid(),
    spotId: z.uuid(),
    zoneId: z.uuid(),
    editionId: z.uuid(),
    userId: z.uuid(),
    ticket: z.object({ chainId: z.number().int(), contract: z.string(), tokenId: z.string() }),
    status: z.enum(["booked", "checked_in", "cancelled"]),
    checkedInAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("CampingBooking");
export const CreateBookingBody = z.strictObject({ contract: Address, tokenId: Amount });
export const CampingCheckInResult = z.object({ verdict: z.enum(["checked_in", "already_checked_in"]), booking: Booking }).openapi("CampingCheckInResult");

export type CreateCampingZoneBody = z.output<typeof CreateCampingZoneBody>;
export type CreateSpotsBody = z.output<typeof CreateSpotsBody>;
export type SpotListQuery = z.output<typeof SpotListQuery>;
