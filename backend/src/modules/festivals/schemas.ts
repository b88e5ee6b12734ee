import { z } from "../../http/zod.js";
import { isInstantInput, isValidTimeZone } from "../time-zones/time-zones.js";

export const Slug = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase letters, digits and single hyphens");
export const TimeZone = z.string().max(64).refine(isValidTimeZone, "must be an IANA time zone such as Europe/Amsterdam");
/** An instant with Z/offset, or a local wall-clock time read in the edition's zone. */
export const TimeInput = z
  .string()
  .refine(isInstantInput, "ISO 8601 date-time with Z or an offset, or a local time like 2025-07-04T21:30")
  .openapi({ example: "2025-07-04T21:30:00+02:00" });
export const Url = z.url({ protocol: /^https?$/ }).max(2048);

const Image = z.object({ url: Url, alt: z.string().max(300).optional(), kind: z.enum(["logo", "banner", "photo"]).optional() });
const Links = z
  .record(
    z
      .string()
      .min(1)
      .max(40)
      .regex(/^[a-z][a-z0-9_]*$/),
    Url,
  )
  .refine((v) => Object.keys(v).length <= 20, "at most 20 links");

export const FestivalParams = z.object({ festivalId: z.uuid() });
export const OrganizationParams = z.object({ organizationId: z.uuid() });
export const EditionParams = z.object({ editionId: z.uuid() });

export const Festival = z
  .object({
    id: z.uuid(),
    organizationId: z.uuid(),
    name: z.string(),
    slug: z.string(),
    description: z.string().nullable(),
    images: z.array(Image),
    links: z.record(z.string(), z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Festival");

export const CreateFestivalBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: Slug,
  description: z.string().max(10_000).optional(),
  images: z.array(Image).max(20).optional(),
  links: Links.optional(),
});
export const UpdateFestivalBody = CreateFestivalBody.partial().extend({ description: z.string().max(10_000).nullable().optional() });

const LocalizedTime = { utc: z.string(), local: z.string() };
export const Edition = z
  .object({
    id: z.uuid(),
    festivalId: z.uuid(),
    name: z.string(),
    slug: z.string(),
    timezone: z.string(),
    startsAt: LocalizedTime.utc.openapi({ description: "UTC" }),
    startsAtLocal: LocalizedTime.local.openapi({ description: "the edition's wall clock with its offset" }),
    endsAt: z.string(),
    endsAtLocal: z.string(),
    ticketUrl: z.string().nullable(),
    status: z.enum(["draft", "published", "archived"]),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Edition");

export const CreateEditionBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: Slug,
  timezone: TimeZone,
  startsAt: TimeInput,
  endsAt: TimeInput,
  ticketUrl: Url.optional(),
  status: z.enum(["draft", "published", "archived"]).optional(),
});
export const UpdateEditionBody = CreateEditionBody.partial().extend({ ticketUrl: Url.nullable().optional() });

export type CreateFestivalBody = z.output<typeof CreateFestivalBody>;
export type UpdateFestivalBody = z.output<typeof UpdateFestivalBody>;
export type CreateEditionBody = z.output<typeof CreateEditionBody>;
export type UpdateEditionBody = z.output<typeof UpdateEditionBody>;
