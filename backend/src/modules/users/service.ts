import type { Knex } from "knex";
import type { PartialModelObject } from "objection";
import type { z } from "zod";
import type { Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { recordAudit } from "../audit/service.js";
import { meDto, User } from "./models.js";
import type { UpdateMeBody } from "./schemas.js";

const ME_COLUMNS = ["id", "email", "email_verified_at", "display_name", "avatar_url", "bio", "locale", "timezone"] as const;

export async function getMe(db: Knex, principal: Principal) {
  const user = await User.query(db).findById(principal.userId).whereNull("deleted_at").select(ME_COLUMNS);
  if (!user) throw new HttpError(404, "user_not_found", "user not found");
  return meDto(user, principal.kind === "user" ? [...principal.roles] : []);
}

export async function updateMe(db: Knex, principal: Principal, ctx: AuditContext, input: z.output<typeof UpdateMeBody>) {
  return db.transaction(async (trx) => {
    const before = await User.query(trx).findById(principal.userId).forUpdate().select(ME_COLUMNS);
    const patch: PartialModelObject<User> = { updated_by: principal.userId };
    if (input.displayName !== undefined) patch.display_name = input.displayName;
    if (input.avatarUrl !== undefined) patch.avatar_url = input.avatarUrl;
    if (input.bio !== undefined) patch.bio = input.bio;
    if (input.locale !== undefined) patch.locale = input.locale;
    if (input.timezone !== undefined) patch.timezone = input.timezone;
    const after = await User.query(trx)
      .findById(principal.userId)
      .patch(patch)
      .returning([...ME_COLUMNS])
      .castTo<User>();
    await recordAudit(trx, ctx, { action: "user.updated", entityType: "user", entityId: principal.userId, before, after });
    return meDto(after, [...principal.roles]);
  });
}

// ------------------------------------------------------------------------------ for other modules

/** The id of the live account with this email, or a 404. */
export async function userIdByEmail(db: Knex, email: string): Promise<string> {
  const user = await User.query(db).where({ email }).whereNull("deleted_at").first().select("id");
  if (!user) throw new HttpError(404, "user_not_found", `no account with email ${email}`);
  return user.id;
}

/** Whether a user holds a platform permission through one of their roles (e.g. the gate: may this user scan?). */
export async function userHasPermission(db: Knex, userId: string, permission: string): Promise<boolean> {
  const row = await User.relatedQuery("roles", db).for(userId).joinRelated("permissions").where("permissions.name", permission).first().select("roles.id");
  return row !== undefined;
}

/** Display name and email of each user id given (for another module's lists of people). */
export async function userSummaries(db: Knex, userIds: string[]): Promise<Map<string, { displayName: string | null; email: string | null }>> {
  if (userIds.length === 0) return new Map();
  const rows = await User.query(db).findByIds(userIds).select("id", "display_name", "email");
  return new Map(rows.map((r) => [r.id, { displayName: r.display_name, email: r.email }]));
}
