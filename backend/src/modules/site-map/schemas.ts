import { z } from "../../http/zod.js";
import { MAP_CATEGORIES } from "./models.js";

export const MapEditionParams = z.object({ editionId: z.uuid() });
export const MapPointParams = z.object({ pointId: z.uuid() });

const Instant = z.iso.datetime({ offset: true });
const OpeningPeriod = z
  .strictObject({ opensAt: Instant, closesAt: Instant })
  .refine((p) => Date.parse(p.closesAt) > Date.parse(p.opensAt), { message: "must be after opensAt", path: ["closesAt"] });

export const MapPoint = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    category: z.enum(MAP_CATEGORIES),
    name: z.string(),
    description: z.string().nullable(),
    longitude: z.number(),
    latitude: z.number(),
    openingHours: z.array(z.object({ opensAt: z.string(), closesAt: z.string() })),
  })
  .openapi("MapPoint");

const Fields = z.strictObject({
  category: z.enum(MAP_CATEGORIES),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).nullable().optional(),
  longitude: z.number().min(-180).max(180),
  latitude: z.number().min(-90).max(90),
  openingHours: z.array(OpeningPeriod).max(50).optional(),
});
export const CreateMapPointBody = Fields;
export const UpdateMapPointBody = Fields.partial();
export const MapQuery = z.object({ category: z.enum(MAP_CATEGORIES).optional() });

export type CreateMapPointBody = z.output<typeof CreateMapPointBody>;
export type UpdateMapPointBody = z.output<typeof UpdateMapPointBody>;
