import type { Knex } from "knex";
import type { Principal } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";

export async function getMe(db: Knex, principal: Principal) {
  const user = await db("users").where({ id: principal.userId }).whereNull("deleted_at").first("id", "email", "email_verified_at", "display_name");
  if (!user) throw new HttpError(404, "user_not_found", "user not found");
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.email_verified_at !== null,
    displayName: user.display_name,
    roles: [...principal.roles],
  };
}
