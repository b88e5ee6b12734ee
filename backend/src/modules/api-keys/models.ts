import { AuditedModel } from "../audit/audited-model.js";

/** An API key: acts for `user_id`, narrowed to `scopes` (and to one organization if set). Only the sha-256 of the key is kept. */
export class ApiKey extends AuditedModel {
  static override tableName = "api_keys";
  declare user_id: string;
  declare organization_id: string | null;
  declare name: string;
  /** visible start of the key (fk_<prefix>_...), unique: the verifier looks keys up by it */
  declare prefix: string;
  declare key_hash: string;
  declare scopes: string[];
  declare rate_limit_per_minute: number;
  declare expires_at: Date | null;
  declare revoked_at: Date | null;
  declare last_used_at: Date | null;
  /** bigint: read back as its decimal text */
  declare usage_count: string | number;
}

export function apiKeyDto(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    organizationId: key.organization_id,
    scopes: key.scopes,
    rateLimitPerMinute: key.rate_limit_per_minute,
    expiresAt: key.expires_at?.toISOString() ?? null,
    revokedAt: key.revoked_at?.toISOString() ?? null,
    lastUsedAt: key.last_used_at?.toISOString() ?? null,
    usageCount: Number(key.usage_count),
    createdAt: key.created_at.toISOString(),
  };
}
