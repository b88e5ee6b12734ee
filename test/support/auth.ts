import type { Knex } from "knex";
import { loadConfig, type Config } from "../../lib/config.js";
import { newId } from "../../lib/ids.js";
import type { PlatformRole } from "../../backend/src/http/auth.js";
import { AccessTokens } from "../../backend/src/modules/auth/access-tokens.js";
import type { FestivalLevel, FestivalScope } from "../../backend/src/modules/festival-access/service.js";
import type { OrganizationRole } from "../../backend/src/modules/organizations/access.js";
import { generateApiKey } from "../../backend/src/modules/api-keys/verifier.js";

/**
 * Authenticated callers for tests, in one line:
 *
 *   const alice = await createTestUser(db, { roles: ["organizer"] });
 *   const olivia = await createTestUser(db, { roles: ["organizer"], organizerVerified: true }); // may publish and deploy
 *   await fetch(url, { headers: alice.headers });
 *
 * The token is signed with the secret `loadConfig({})` derives, i.e. the one a test app built
 * with `buildApp({ config: loadConfig({}), ... })` verifies. Pass `config` if yours differs.
 */
export interface TestUser {
  userId: string;
  email: string;
  sessionId: string;
  accessToken: string;
  headers: { authorization: string };
}

export async function createTestUser(
  db: Knex,
  opts: { roles?: PlatformRole[]; email?: string; displayName?: string; config?: Config; organizerVerified?: boolean } = {},
): Promise<TestUser> {
  const config = opts.config ?? loadConfig({});
  const userId = newId();
  const email = opts.email ?? `user-${userId}@example.test`;
  await db("users").insert({ id: userId, email, display_name: opts.displayName ?? "Test user", email_verified_at: new Date() });
  if (opts.roles?.length) {
    const roles = await db("roles").whereIn("name", opts.roles).select("id");
    await db("user_roles").insert(roles.map((r) => ({ id: newId(), user_id: userId, role_id: r.id })));
  }
  // what a platform admin's verification leaves behind (publishing and deploying need it)
  if (opts.organizerVerified) {
    await db("organizer_profiles").insert({
      id: newId(),
      user_id: userId,
      company_name: "Test events",
      verification_status: "verified",
      verified_at: new Date(),
    });
  }
  const sessionId = newId();
  await db("auth_sessions").insert({
    id: sessionId,
    user_id: userId,
    method: "test",
    expires_at: new Date(Date.now() + 3600_000),
  });
  const tokens = new AccessTokens(config.auth.jwtSecret, config.auth.issuer, config.auth.accessTokenTtlSeconds);
  const { token } = await tokens.issue(userId, sessionId);
  return { userId, email, sessionId, accessToken: token, headers: { authorization: `Bearer ${token}` } };
}

/** An organization, with members given as [user, role] pairs. */
export async function createTestOrganization(
  db: Knex,
  members: Array<[TestUser | string, OrganizationRole]> = [],
  name = "Test organization",
): Promise<{ organizationId: string }> {
  const organizationId = newId();
  await db("organizations").insert({ id: organizationId, name, slug: `org-${organizationId}` });
  for (const [user, role] of members) {
    await db("organization_members").insert({
      id: newId(),
      organization_id: organizationId,
      user_id: typeof user === "string" ? user : user.userId,
      role,
    });
  }
  return { organizationId };
}

/** A minimal festival row (the festivals module owns the full shape). */
export async function createTestFestival(db: Knex, organizationId: string, name = "Test festival"): Promise<{ festivalId: string }> {
  const festivalId = newId();
  await db("festivals").insert({ id: festivalId, organization_id: organizationId, name, slug: `fest-${festivalId}` });
  return { festivalId };
}

/** A festival-scoped grant, as an accepted invitation would leave it. */
export async function grantFestivalAccess(
  db: Knex,
  festivalId: string,
  user: TestUser | string,
  level: FestivalLevel,
  scope: FestivalScope = "all",
): Promise<void> {
  await db("festival_permissions").insert({
    id: newId(),
    festival_id: festivalId,
    user_id: typeof user === "string" ? user : user.userId,
    level,
    scope,
  });
}

/** An API key acting for `user`, narrowed to `scopes` (and to an organization if given). */
export async function createTestApiKey(
  db: Knex,
  user: TestUser | string,
  scopes: string[],
  opts: { organizationId?: string; rateLimitPerMinute?: number } = {},
): Promise<{ apiKeyId: string; key: string; headers: { "x-api-key": string } }> {
  const { key, prefix, hash } = generateApiKey();
  const apiKeyId = newId();
  await db("api_keys").insert({
    id: apiKeyId,
    user_id: typeof user === "string" ? user : user.userId,
    organization_id: opts.organizationId ?? null,
    name: "test key",
    prefix,
    key_hash: hash,
    scopes,
    rate_limit_per_minute: opts.rateLimitPerMinute ?? 600,
  });
  return { apiKeyId, key, headers: { "x-api-key": key } };
}
