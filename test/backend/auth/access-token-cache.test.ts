import assert from "node:assert/strict";
import { AccessTokens } from "../../../backend/src/modules/auth/access-tokens.js";

describe("access token verification cache", () => {
  const secret = "test-secret-test-secret-test-secret-0123";

  it("answers a repeated token from memory with the same claims, and only before its exp", async () => {
    const tokens = new AccessTokens(secret, "https://issuer.test", 1);
    const { token } = await tokens.issue("user-1", "session-1");
    assert.equal(tokens.cached(token), undefined, "nothing cached before the first verification");
    const first = await tokens.verify(token);
    assert.ok(first);
    assert.deepEqual(tokens.cached(token), first);
    assert.deepEqual(await tokens.verify(token), first);
    await new Promise((r) => setTimeout(r, Math.max(0, first.expiresAt.getTime() - Date.now()) + 20));
    assert.equal(tokens.cached(token), undefined, "an expired token is not answered from the cache");
    assert.equal(await tokens.verify(token), null, "jose refuses the expired token");
  });

  it("never caches a refused token, and another key's tokens stay refused", async () => {
    const tokens = new AccessTokens(secret, "https://issuer.test", 60);
    const other = new AccessTokens(`${secret}-other`, "https://issuer.test", 60);
    const { token } = await tokens.issue("user-1", "session-1");
    assert.ok(await tokens.verify(token));
    const forged = (await other.issue("user-1", "session-1")).token;
    assert.equal(await tokens.verify(forged), null);
    assert.equal(tokens.cached(forged), undefined);
    const tampered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    assert.equal(await tokens.verify(tampered), null);
    assert.equal(tokens.cached(tampered), undefined);
  });
});

describe("session cache", () => {
  it("stops using a cached session at its expires_at, and forgetSession (logout) takes effect at once", async () => {
    const { testDatabase } = await import("../../support/database.js");
    const { Principals } = await import("../../../backend/src/modules/auth/principals.js");
    const { newId } = await import("../../../lib/ids.js");
    const db = await testDatabase();
    const tokens = new AccessTokens(secret(), "https://issuer.test", 60);
    const principals = new Principals(db, tokens);
    const userId = newId();
    const shortId = newId();
    const longId = newId();
    await db("users").insert({ id: userId, display_name: "cache" });
    await db("auth_sessions").insert([
      { id: shortId, user_id: userId, method: "test", expires_at: new Date(Date.now() + 1_000) },
      { id: longId, user_id: userId, method: "test", expires_at: new Date(Date.now() + 3600_000) },
    ]);
    const short = (await tokens.issue(userId, shortId)).token;
    const long = (await tokens.issue(userId, longId)).token;
    assert.equal((await principals.fromAccessToken(short))?.userId, userId);
    assert.equal(principals.fromAccessTokenCached(short)?.userId, userId);
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal(principals.fromAccessTokenCached(short), undefined, "not answered from the cache past expires_at");
    assert.equal(await principals.fromAccessToken(short), null);

    assert.equal((await principals.fromAccessToken(long))?.userId, userId);
    await db("auth_sessions").where({ id: longId }).update({ revoked_at: new Date(), revoked_reason: "logout" });
    principals.forgetSession(longId);
    assert.equal(await principals.fromAccessToken(long), null);
  });
});

function secret(): string {
  return "test-secret-test-secret-test-secret-0123";
}
