import { z } from "../../http/zod.js";

export const ProductionStatus = z.enum(["planning", "active", "completed", "cancelled", "archived"]);
export const CompanyParams = z.object({ companyId: z.uuid() });
export const ProductionParams = z.object({ companyId: z.uuid(), productionId: z.uuid() });

export const Production = z
  .object({
    id: z.uuid(),
    name: z.string(),
    editionId: z.uuid().nullable(),
    startsOn: z.string(),
    endsOn: z.string(),
    budgetMinor: z.string(),
    currency: z.string(),
    status: ProductionStatus,
    createdAt: z.string(),
  })
  .openapi("Production");

export const CreateProductionBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  editionId: z.uuid().optional().openapi({ description: "the festival edition this production is (one of the company's festivals)" }),
  startsOn: z.iso.date(),
  endsOn: z.iso.date(),
  budgetMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
});
export const UpdateProductionBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  startsOn: z.iso.date().optional(),
  endsOn: z.iso.date().optional(),
  budgetMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  status: ProductionStatus.optional(),
});
