import { webcrypto } from "node:crypto";
import { jwtVerify, SignJWT, errors as joseErrors } from "jose";

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

export class AccessTokens {
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

  /** Returns the claims, or null for any invalid, expired or foreign token. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    try {
      const { payload } = await jwtVerify(token, await this.key, {
        algorithms: ["HS256"],
        issuer: this.issuer,
        audience: this.issuer,
        typ: "at+jwt",
      });
      if (typeof payload.sub !== "string" || typeof payload.sid !== "string" || typeof payload.exp !== "number") return null;
      return { userId: payload.sub, sessionId: payload.sid, expiresAt: new Date(payload.exp * 1000) };
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) return null;
      throw error;
    }
  }
}
