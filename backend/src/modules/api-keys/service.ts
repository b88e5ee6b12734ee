import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertOrganizationAccess } from "../organizations/access.js";
import type { CreateApiKeyBody } from "./schemas.js";
import { generateApiKey, type ApiKeyVerifier } from "./verifier.js";

/**
 * API keys for integrations. A key acts for the user who made it, narrowed to its scopes
 * (and to one organization if given: making such a key needs organization admin). The
 * secret is returned once; only its sha-256 and a visible prefix are kept.
 */
export class ApiKeyService {
  constructor(
    private readonly db: Knex,
    private readonly verifier: ApiKeyVerifier,
    private readonly defaultRateLimit: number,
  ) {}

  async create(principal: Principal, ctx: AuditContext, input: z.output<typeof CreateApiKeyBody>) {
    return this.db.transaction(async (trx) => {
      if (input.organizationId) await assertOrganizationAccess(trx, principal, input.organizationId, "admin");
      const { key, prefix, hash } = generateApiKey();
      const [row] = await trx("api_keys")
        .insert({
          id: newId(),
          user_id: principal.userId,
          organization_id: input.organizationId ?? null,
          name: input.name,
          prefix,
          key_hash: hash,
          scopes: [...new Set(input.scopes)],
          rate_limit_per_minute: input.rateLimitPerMinute ?? this.defaultRateLimit,
          expires_at: input.expiresAt ? new Date(input.expiresAt) : null,
          created_by: principal.userId,
          updated_by: principal.userId,
        })
        .returning("*");
      await recordAudit(trx, ctx, { action: "api_key.created", entityType: "api_key", entityId: row.id, organizationId: row.organization_id, after: row });
      return { ...apiKeyDto(row), key };
    });
  }

  /** Your keys, plus the keys of organizations you administer. */
  async list(principal: Principal, page: PageQuery) {
    const query = this.db("api_keys").where((w) =>
      w
        .where("user_id", principal.userId)
        .orWhereIn(
          "organization_id",
          this.db("organization_members").where({ user_id: principal.userId }).whereIn("role", ["owner", "admin"]).select("organization_id"),
        ),
    );
    return paginate(query, page, { column: "created_at", order: "desc" }, apiKeyDto);
  }

  async revoke(principal: Principal, ctx: AuditContext, apiKeyId: string) {
    const result = await this.db.transaction(async (trx) => {
      const before = await trx("api_keys").where({ id: apiKeyId }).forUpdate().first();
      if (!before || !(await this.mayManage(trx, principal, before))) throw new HttpError(404, "api_key_not_found", `API key ${apiKeyId} not found`);
      if (before.revoked_at) return apiKeyDto(before);
      const [after] = await trx("api_keys").where({ id: apiKeyId }).update({ revoked_at: trx.fn.now(), updated_by: principal.userId }).returning("*");
      await recordAudit(trx, ctx, {
        action: "api_key.revoked",
        entityType: "api_key",
        entityId: apiKeyId,
        organizationId: after.organization_id,
        before,
        after,
      });
      return apiKeyDto(after);
    });
    this.verifier.forget(result.prefix);
    return result;
  }

  private async mayManage(trx: Knex.Transaction, principal: Principal, key: Record<string, unknown>): Promise<boolean> {
    if (key.user_id === principal.userId || principal.roles.has("admin")) return true;
    if (!key.organization_id) return false;
    const member = await trx("organization_members")
      .where({ organization_id: key.organization_id, user_id: principal.userId })
      .whereIn("role", ["owner", "admin"])
      .first("id");
    return Boolean(member);
  }
}

function apiKeyDto(row: Record<string, unknown>) {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    id: row.id as string,
    name: row.name as string,
    prefix: row.prefix as string,
    organizationId: (row.organization_id as string | null) ?? null,
    scopes: row.scopes as string[],
    rateLimitPerMinute: row.rate_limit_per_minute as number,
    expiresAt: iso(row.expires_at),
    revokedAt: iso(row.revoked_at),
    lastUsedAt: iso(row.last_used_at),
    usageCount: Number(row.usage_count),
    createdAt: iso(row.created_at)!,
  };
}
