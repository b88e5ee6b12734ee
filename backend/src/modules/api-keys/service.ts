import type { Knex } from "knex";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { paginate, type PageQuery } from "../../http/pagination.js";
import type { AuditContext } from "../../http/audit-context.js";
import { recordAudit } from "../audit/service.js";
import { assertOrganizationAccess, hasOrganizationRole, organizationsWhere } from "../organizations/access.js";
import { ApiKey, apiKeyDto } from "./models.js";
import type { CreateApiKeyBody } from "./schemas.js";
import { generateApiKey, type ApiKeyVerifier } from "./verifier.js";

/** Organization roles that see and revoke the organization's keys. */
const MANAGERS = ["owner", "admin"] as const;

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
      const row = await ApiKey.query(trx)
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
    const query = ApiKey.query(this.db).where((w) =>
      w.where("user_id", principal.userId).orWhereIn("organization_id", organizationsWhere(this.db, principal.userId, MANAGERS)),
    );
    return paginate(query.toKnexQuery(), page, { column: "created_at", order: "desc" }, (row) => apiKeyDto(ApiKey.fromDatabaseJson(row)));
  }

  async revoke(principal: Principal, ctx: AuditContext, apiKeyId: string) {
    const result = await this.db.transaction(async (trx) => {
      const before = await ApiKey.query(trx).findById(apiKeyId).forUpdate();
      if (!before || !(await this.mayManage(trx, principal, before))) throw new HttpError(404, "api_key_not_found", `API key ${apiKeyId} not found`);
      if (before.revoked_at) return apiKeyDto(before);
      const after = await ApiKey.query(trx)
        .findById(apiKeyId)
        .patch({ revoked_at: trx.fn.now(), updated_by: principal.userId })
        .returning("*")
        .castTo<ApiKey>();
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

  private async mayManage(trx: Knex.Transaction, principal: Principal, key: ApiKey): Promise<boolean> {
    if (key.user_id === principal.userId || principal.roles.has("admin")) return true;
    if (!key.organization_id) return false;
    return hasOrganizationRole(trx, principal.userId, key.organization_id, MANAGERS);
  }
}
