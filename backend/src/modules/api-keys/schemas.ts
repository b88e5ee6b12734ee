import { API_SCOPES } from "../../http/auth.js";
import { z } from "../../http/zod.js";

// A scope no route asks for would be silently useless (or a trap once a route starts asking for it).
export const ApiScope = z.enum(API_SCOPES, { error: (issue) => `unknown scope ${JSON.stringify(issue.input)}; known scopes: ${API_SCOPES.join(", ")}` });
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
  expiresAt: z.iso
    .datetime({ offset: true })
    .optional()
    .refine((v) => !v || new Date(v) > new Date(), "must be in the future"),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).optional(),
});
