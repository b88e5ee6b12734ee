import { z } from "../../http/zod.js";

const Slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lowercase letters, digits and single dashes")
  .min(2)
  .max(80);
export const OrganizationRole = z.enum(["owner", "admin", "member"]);
export const OrganizationIdParams = z.object({ organizationId: z.uuid() });
export const MemberParams = z.object({ organizationId: z.uuid(), memberId: z.uuid() });

export const Organization = z
  .object({
    id: z.uuid(),
    name: z.string(),
    slug: z.string(),
    legalName: z.string().nullable(),
    website: z.string().nullable(),
    taxIdLast4: z.string().nullable().openapi({ description: "masked; the full value is encrypted at rest" }),
    myRole: OrganizationRole,
    createdAt: z.string(),
  })
  .openapi("Organization");

export const CreateOrganizationBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  slug: Slug,
  legalName: z.string().trim().max(200).optional(),
  website: z.url().max(2048).optional(),
  taxId: z.string().trim().min(4).max(64).optional(),
});
export const UpdateOrganizationBody = CreateOrganizationBody.omit({ slug: true }).partial();

export const Member = z
  .object({ id: z.uuid(), userId: z.uuid(), role: OrganizationRole, displayName: z.string().nullable(), createdAt: z.string() })
  .openapi("OrganizationMember");
export const AddMemberBody = z.strictObject({ userId: z.uuid(), role: OrganizationRole });
export const UpdateMemberBody = z.strictObject({ role: OrganizationRole });
