import { webcrypto } from "node:crypto";
import { jwtVerify, SignJWT, errors as joseErrors } from "jose";
import { LRUCache } from "lru-cache";

/**
 * Short-lived access tokens (HS256 JWT). They carry only who (`sub`) and which session
 * (`sid`); roles are looked up from the session (cached), so a role change or a logout
 * takes effect without waiting for the token to expire.
 */
export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

/** Verified tokens remembered per process (a client repeats its token until it refreshes). */
const VERIFIED_CACHE_MAX = 10_000;

export class AccessTokens {
  // token string -> its verified claims, least recently used evicted first. Only successful verifications are cached, and an entry is used only before its `exp`:
  // the same string always verifies the same way until then, so jose stays the verifier of
  // record and a repeated token skips the HMAC and WebCrypto's asynchronous hop.
  private readonly verified = new LRUCache<string, Readonly<AccessTokenClaims> & { expMs: number }>({ max: VERIFIED_CACHE_MAX });

  // Imported once as a CryptoKey: handing jose raw bytes would re-import the key on every
  // verification, which is most of the cost of the authenticated hot path.
  private readonly key: Promise<webcrypto.CryptoKey>;

  constructor(
    secret: string,
    private readonly issuer: string,
    readonly ttlSeconds: number,
  ) {
    this.key = webcrypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  }

  async issue(userId: string, sessionId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
      .setSubject(userId)
      .setIssuer(this.issuer)
      .setAudience(this.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(await this.key);
    return { token, expiresAt: new Date((now + this.ttlSeconds) * 1000) };
  }

  /**
   * The claims of a token this process already verified and that has not expired yet, else
   * undefined (then call `verify`). Synchronous: the authenticated hot path stays on one tick.
   */
  cached(token: string): AccessTokenClaims | undefined {
    const hit = this.verified.get(token);
    if (!hit) return undefined;
    if (Date.now() >= hit.expMs) {
      this.verified.delete(token); // jose: expired once now >= exp
      return undefined;
    }
    return { userId: hit.userId, sessionId: hit.sessionId, expiresAt: new Date(hit.expMs) };
  }

  /** Returns the claims, or null for any invalid, expired or foreign token. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    const hit = this.cached(token);
    if (hit) return hit;
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ["HS256"],
        issuer: this.issuer,
        audience: this.issuer,
        typ: "at+jwt",
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") return null;
      const expMs = payload.exp * 1000;
      this.verified.set(token, Object.freeze({ userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(expMs), expMs }));
      return { userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(expMs) };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
}
