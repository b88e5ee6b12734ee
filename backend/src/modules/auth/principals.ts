import type { Knex } from "knex";
import { LRUCache } from "lru-cache";
import { listenForever } from "../../../../lib/pg-listener.js";
import type { PermissionScope, PlatformRole, Principal, PrincipalResolver } from "../../http/auth.js";
import { ApiKeyVerifier, isApiKeyFormat } from "../api-keys/verifier.js";
import { rolePermissionMap } from "../users/roles.js";
import type { AccessTokens } from "./access-tokens.js";

/**
 * How long a session's state (revocation, user status, roles) is reused in this process.
 * Every change made through this process invalidates at once (logout, refresh-token reuse,
 * password reset: forgetSession; role grant/revocation, disabling, profile: forgetUser). A
 * change made by another API process (or directly in the database) is seen here within this
 * bound, or at once when it tells the others (forgetSession/forgetUser broadcast through
 * Postgres NOTIFY, listenForInvalidations). A session's own expires_at is checked on every use, cached or not.
 */
export const SESSION_CACHE_MS = 30_000;
/** Postgres notification channel: "session:<id>" or "user:<id>" was revoked or changed in some API process. */
const INVALIDATION_CHANNEL = "auth_invalidations";
/** A refused session (revoked, expired, user disabled) is remembered this long, as before. */
const REFUSED_CACHE_MS = 5_000;
const PERMISSIONS_CACHE_MS = 60_000;
const MAX_CACHED = 50_000;
const SCOPE_RANK: Record<PermissionScope, number> = { own: 0, organization: 1, all: 2 };

function fresh(entry: SessionEntry, now: number): boolean {
  return now - entry.checkedAt < SESSION_CACHE_MS && now < entry.expiresAt;
}

/** A live session with its user's roles (sorted by name), from auth_sessions and the users module's published view user_accounts. */
interface SessionRow {
  user_id: string;
  expires_at: Date;
  roles: PlatformRole[];
}

interface SessionEntry {
  principal: Principal | null; // null: revoked, expired, or the user is disabled
  checkedAt: number;
  /** The session's expires_at (ms); past it the entry is not used. */
  expiresAt: number;
}

/**
 * Resolves credentials into principals, cheaply: the JWT is verified in-process and the
 * session (revocation, user status, roles) is read at most once per SESSION_CACHE_MS per
 * session (concurrent misses share one read), so the authenticated hot path usually makes no
 * database round trip. A logout in this process takes effect at once (`forgetSession`); in
 * another process within SESSION_CACHE_MS (30 s).
 */
export class Principals implements PrincipalResolver {
  private readonly sessions = new LRUCache<string, SessionEntry>({ max: MAX_CACHED });
  private readonly loading = new Map<string, Promise<SessionEntry>>();
  /** True while the invalidation listener is reconnecting: no cached session is trusted. */
  private deaf = false;
  private rolePermissions?: { loadedAt: number; map: Promise<Map<string, Map<string, PermissionScope>>> };
  readonly apiKeys: ApiKeyVerifier;

  constructor(
    private readonly db: Knex,
    private readonly accessTokens: AccessTokens,
  ) {
    this.apiKeys = new ApiKeyVerifier(db);
  }

  isApiKey(credential: string): boolean {
    return isApiKeyFormat(credential);
  }

  async fromAccessToken(token: string): Promise<Principal | null> {
    const claims = await this.accessTokens.verify(token);
    if (!claims) return null;
    const principal = await this.session(claims.sessionId);
    return principal && principal.userId === claims.userId ? principal : null;
  }

  fromAccessTokenCached(token: string): Principal | null | undefined {
    const claims = this.accessTokens.cached(token);
    if (!claims) return undefined;
    const cached = this.sessions.get(claims.sessionId);
    if (!cached || !fresh(cached, Date.now())) return undefined;
    const principal = cached.principal;
    return principal && principal.userId === claims.userId ? principal : null;
  }

  fromApiKey(rawKey: string): Promise<Principal | null> {
    return this.apiKeys.verify(rawKey);
  }

  /** Drop a session from the cache (logout, revocation, role change), here and in every other API process. */
  forgetSession(sessionId: string): void {
    this.dropSession(sessionId);
    this.broadcast(`session:${sessionId}`);
  }

  /** Drop every cached session of a user (role granted or revoked, user disabled), here and in every other API process. */
  forgetUser(userId: string): void {
    this.dropUser(userId);
    this.broadcast(`user:${userId}`);
  }

  private dropSession(sessionId: string): void {
    this.sessions.delete(sessionId);
    this.loading.delete(sessionId);
  }

  private dropUser(userId: string): void {
    const ids = [...this.sessions.entries()].filter(([, entry]) => entry.principal?.userId === userId).map(([id]) => id);
    for (const id of ids) this.sessions.delete(id);
    this.loading.clear(); // a read in flight may predate the change
  }

  /**
   * Tells the other API processes (Postgres NOTIFY; the callers forget after their change
   * committed, so a process that reloads on the notification sees it). Best effort: a
   * process that misses it still sees the change within SESSION_CACHE_MS.
   */
  private broadcast(what: string): void {
    this.db.raw("select pg_notify(?, ?)", [INVALIDATION_CHANNEL, what]).catch(() => {});
  }

  /**
   * Listens for the other processes' invalidations (server.ts starts it in every API
   * process). Returns a stop function. While its connection is lost (a Postgres restart),
   * another process's sign-out would go unheard, so sessions are read afresh on every use
   * until it is back (lib/pg-listener.ts reconnects), and the cache starts empty then.
   */
  async listenForInvalidations(connectionString: string, log?: { warn(obj: object, msg: string): void }): Promise<() => Promise<void>> {
    const listener = await listenForever({
      connectionString,
      channel: INVALIDATION_CHANNEL,
      log,
      onNotification: (payload) => {
        const [kind, id] = payload.split(":");
        if (kind === "session" && id) this.dropSession(id);
        else if (kind === "user" && id) this.dropUser(id);
      },
      onLost: () => {
        this.deaf = true;
        this.sessions.clear();
      },
      onBack: () => {
        this.sessions.clear();
        this.deaf = false;
      },
    });
    return () => listener.stop();
  }

  private async session(sessionId: string): Promise<Principal | null> {
    const cached = this.deaf ? undefined : this.sessions.get(sessionId);
    if (cached && fresh(cached, Date.now())) return cached.principal;
    let load = this.loading.get(sessionId);
    if (!load) {
      load = this.loadSession(sessionId);
      this.loading.set(sessionId, load);
      const settle = () => {
        if (this.loading.get(sessionId) === load) this.loading.delete(sessionId);
      };
      load.then((entry) => {
        // not stored if a forgetSession/forgetUser came while reading (the read may predate it)
        if (this.loading.get(sessionId) === load) {
          this.sessions.set(sessionId, entry);
        }
        settle();
      }, settle);
    }
    return (await load).principal;
  }

  private async loadSession(sessionId: string): Promise<SessionEntry> {
    const checkedAt = Date.now();
    // Typed knex, not the AuthSession model: this runs once per session per SESSION_CACHE_MS on every authenticated request, and the Model was measured ~100 µs slower per lookup.
    const row = await this.db<SessionRow>("auth_sessions as s")
      .join("user_accounts as a", "a.id", "s.user_id")
      .where("s.id", sessionId)
      .whereNull("s.revoked_at")
      .where("s.expires_at", ">", this.db.fn.now())
      .where("a.status", "active")
      .whereNull("a.deleted_at")
      .first<SessionRow | undefined>("s.user_id", "s.expires_at", "a.roles");
    // a refusal carries no user id for forgetUser to find (e.g. a user enabled again): kept briefly
    if (!row) return { principal: null, checkedAt, expiresAt: checkedAt + REFUSED_CACHE_MS };
    const roles = row.roles;
    const principal: Principal = {
      kind: "user",
      userId: row.user_id,
      sessionId,
      apiKeyId: null,
      apiKeyOrganizationId: null,
      roles: new Set(roles),
      permissions: await this.permissionsFor(roles),
      apiScopes: null,
      apiKeyRateLimitPerMinute: null,
    };
    return { principal, checkedAt, expiresAt: new Date(row.expires_at).getTime() };
  }

  /** Widest scope per permission over the given roles (role grants change only by migration). */
  async permissionsFor(roles: readonly string[]): Promise<Map<string, PermissionScope>> {
    if (!this.rolePermissions || Date.now() - this.rolePermissions.loadedAt > PERMISSIONS_CACHE_MS) {
      this.rolePermissions = { loadedAt: Date.now(), map: this.loadRolePermissions() };
      this.rolePermissions.map.catch(() => (this.rolePermissions = undefined));
    }
    const byRole = await this.rolePermissions.map;
    const out = new Map<string, PermissionScope>();
    for (const role of roles) {
      for (const [permission, scope] of byRole.get(role) ?? []) {
        const current = out.get(permission);
        if (!current || SCOPE_RANK[scope] > SCOPE_RANK[current]) out.set(permission, scope);
      }
    }
    return out;
  }

  private loadRolePermissions(): Promise<Map<string, Map<string, PermissionScope>>> {
    return rolePermissionMap(this.db);
  }
}
