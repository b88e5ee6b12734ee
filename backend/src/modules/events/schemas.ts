import { z } from "../../http/zod.js";
import { Slug, TimeInput } from "../festivals/schemas.js";

export const CategoryParams = z.object({ categoryId: z.uuid() });
export const EventParams = z.object({ eventId: z.uuid() });
export const EVENT_STATUSES = ["draft", "published", "ongoing", "completed", "cancelled", "postponed"] as const;

export const EventCategory = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    parentId: z.uuid().nullable(),
    name: z.string(),
    icon: z.string().nullable(),
    colour: z.string().nullable(),
    sortOrder: z.number().int(),
  })
  .openapi("EventCategory");

export const CreateCategoryBody = z.strictObject({
  name: z.string().trim().min(1).max(120),
  parentId: z.uuid().nullable().optional(),
  icon: z.string().max(64).nullable().optional(),
  colour: z
    .string()
    .regex(/^#[0-9a-f]{6}$/, "lowercase #rrggbb")
    .nullable()
    .optional(),
  sortOrder: z.number().int().min(-1_000_000).max(1_000_000).optional(),
});
export const UpdateCategoryBody = CreateCategoryBody.partial();

export const Tag = z.object({ id: z.uuid(), name: z.string(), usageCount: z.number().int() }).openapi("Tag");

const TagName = z.string().trim().min(1).max(60);
export const Event = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    editionId: z.uuid().nullable(),
    categoryId: z.uuid().nullable(),
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    status: z.enum(EVENT_STATUSES),
    capacity: z.number().int().nullable(),
    timezone: z.string(),
    startsAt: z.string().nullable(),
    startsAtLocal: z.string().nullable(),
    endsAt: z.string().nullable(),
    endsAtLocal: z.string().nullable(),
    soldOut: z.boolean(),
    tags: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Event");

export const CreateEventBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: Slug,
  editionId: z.uuid().nullable().optional(),
  categoryId: z.uuid().nullable().optional(),
  description: z.string().max(10_000).nullable().optional(),
  status: z.enum(EVENT_STATUSES).optional(),
  capacity: z.number().int().positive().max(10_000_000).nullable().optional(),
  startsAt: TimeInput.nullable().optional(),
  endsAt: TimeInput.nullable().optional(),
  soldOut: z.boolean().optional(),
  tags: z.array(TagName).max(30).optional(),
});
export const UpdateEventBody = CreateEventBody.partial();
export const ListEventsQuery = z.object({
  editionId: z.uuid().optional(),
  status: z.enum(EVENT_STATUSES).optional(),
  tag: TagName.optional(),
});

export type CreateCategoryBody = z.output<typeof CreateCategoryBody>;
export type UpdateCategoryBody = z.output<typeof UpdateCategoryBody>;
export type CreateEventBody = z.output<typeof CreateEventBody>;
export type UpdateEventBody = z.output<typeof UpdateEventBody>;
