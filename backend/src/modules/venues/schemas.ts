import { z } from "../../http/zod.js";

export const VenueParams = z.object({ venueId: z.uuid() });
export const StageParams = z.object({ stageId: z.uuid() });
export const EditionVenueParams = z.object({ editionId: z.uuid(), venueId: z.uuid() });

export const Venue = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    name: z.string(),
    addressLine1: z.string().nullable(),
    addressLine2: z.string().nullable(),
    city: z.string().nullable(),
    postalCode: z.string().nullable(),
    country: z.string().nullable(),
    latitude: z.number().nullable(),
    longitude: z.number().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Venue");

const nullableText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();
const VenueFields = z.strictObject({
  name: z.string().trim().min(1).max(200),
  addressLine1: nullableText(200),
  addressLine2: nullableText(200),
  city: nullableText(120),
  postalCode: nullableText(20),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, "ISO 3166-1 alpha-2, upper case")
    .nullable()
    .optional(),
  latitude: z.number().min(-90).max(90).nullable().optional(),
  longitude: z.number().min(-180).max(180).nullable().optional(),
});
const coordinatesTogether = (v: { latitude?: number | null; longitude?: number | null }) =>
  v.latitude === undefined && v.longitude === undefined ? true : (v.latitude == null) === (v.longitude == null);
export const CreateVenueBody = VenueFields.refine(coordinatesTogether, { message: "latitude and longitude go together", path: ["longitude"] });
export const UpdateVenueBody = VenueFields.partial().refine(coordinatesTogether, { message: "latitude and longitude go together", path: ["longitude"] });

export const Stage = z
  .object({
    id: z.uuid(),
    venueId: z.uuid(),
    name: z.string(),
    sortOrder: z.number().int(),
    capacity: z.number().int().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Stage");
export const CreateStageBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
  capacity: z.number().int().positive().max(10_000_000).nullable().optional(),
});
export const UpdateStageBody = CreateStageBody.partial();

export type CreateVenueBody = z.output<typeof CreateVenueBody>;
export type UpdateVenueBody = z.output<typeof UpdateVenueBody>;
export type CreateStageBody = z.output<typeof CreateStageBody>;
export type UpdateStageBody = z.output<typeof UpdateStageBody>;
