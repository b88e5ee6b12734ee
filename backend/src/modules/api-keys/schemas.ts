import { z } from "../../http/zod.js";

export const ApiScope = z.string().regex(/^[a-z_]+:[a-z_]+$/, "a scope looks like resource:action, e.g. festivals:read");
export const ApiKeyIdParams = z.object({ apiKeyId: z.uuid() });

export const ApiKey = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string().openapi({ description: "visible start of the key (fk_<prefix>_...)" }),
    organizationId: z.uuid().nullable(),
    scopes: z.array(z.string()),
    rateLimitPerMinute: z.number().int(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z.string().nullable(),
    usageCount: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("ApiKey");

export const CreatedApiKey = ApiKey.extend({ key: z.string().openapi({ description: "the secret key, shown this once" }) }).openapi("CreatedApiKey");

export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(80),
  scopes: z.array(ApiScope).min(1).max(50),
  organizationId: z.uuid().optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional().refine((v) => !v || new Date(v) > new Date(), "must be in the future"),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).optional(),
});
