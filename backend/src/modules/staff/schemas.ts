import { z } from "../../http/zod.js";

export const StaffEditionParams = z.object({ editionId: z.uuid() });
export const MemberParams = z.object({ memberId: z.uuid() });
export const MemberQualificationParams = z.object({ memberId: z.uuid(), qualificationTypeId: z.uuid() });

const Name = z.string().trim().min(1).max(120);
const Description = z.string().trim().max(2000).nullable().optional();
const Code = z
  .string()
  .max(64)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "lower-case words joined by hyphens, such as driver-licence");
export const BadgeNumber = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,32}$/, "1 to 32 letters, digits or hyphens")
  .openapi({ example: "SEC-0042" });
export const QualificationKind = z.enum(["certificate", "training", "licence"]);

export const Department = z
  .object({ id: z.uuid(), editionId: z.uuid(), name: z.string(), description: z.string().nullable(), createdAt: z.string() })
  .openapi("StaffDepartment");
export const CreateDepartmentBody = z.strictObject({ name: Name, description: Description });

export const QualificationType = z
  .object({ id: z.uuid(), editionId: z.uuid(), code: z.string(), name: z.string(), kind: QualificationKind, createdAt: z.string() })
  .openapi("StaffQualificationType");
export const CreateQualificationTypeBody = z.strictObject({ code: Code, name: Name, kind: QualificationKind });

export const Role = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    departmentId: z.uuid().nullable(),
    name: z.string(),
    description: z.string().nullable(),
    isLead: z.boolean().openapi({ description: "a lead may check others in to their shifts" }),
    prerequisites: z.array(z.uuid()).openapi({ description: "qualification types a member must hold for this role's shifts" }),
    createdAt: z.string(),
  })
  .openapi("StaffRole");
export const CreateRoleBody = z.strictObject({
  name: Name,
  description: Description,
  departmentId: z.uuid().nullable().optional(),
  isLead: z.boolean().optional(),
  prerequisites: z.array(z.uuid()).max(20).optional(),
});

export const Member = z
  .object({
    id: z.uuid(),
    editionId: z.uuid(),
    userId: z.uuid(),
    roleId: z.uuid(),
    departmentId: z.uuid(),
    badgeNumber: z.string(),
    status: z.enum(["active", "removed"]),
    qualifications: z.array(z.object({ qualificationTypeId: z.uuid(), validUntil: z.string().nullable() })),
    createdAt: z.string(),
  })
  .openapi("StaffMember");
export const CreateMemberBody = z
  .strictObject({
    userId: z.uuid().optional(),
    email: z
      .email()
      .max(254)
      .transform((v) => v.toLowerCase())
      .optional()
      .openapi({ description: "instead of userId: the person's account email (they sign up first)" }),
    roleId: z.uuid(),
    departmentId: z.uuid(),
    badgeNumber: BadgeNumber,
  })
  .refine((v) => (v.userId === undefined) !== (v.email === undefined), { message: "give exactly one of userId and email", path: ["userId"] });
export const UpdateMemberBody = z
  .strictObject({ roleId: z.uuid(), departmentId: z.uuid(), badgeNumber: BadgeNumber, status: z.enum(["active", "removed"]) })
  .partial();
export const GrantQualificationBody = z.strictObject({ validUntil: z.iso.datetime({ offset: true }).nullable().optional() });

export const MyMembership = Member.extend({
  badgeQr: z.string().openapi({ description: "what the badge's QR code encodes: show it at a shift kiosk" }),
}).openapi("MyStaffMembership");

export type CreateRoleBody = z.output<typeof CreateRoleBody>;
export type CreateMemberBody = z.output<typeof CreateMemberBody>;
export type UpdateMemberBody = z.output<typeof UpdateMemberBody>;
