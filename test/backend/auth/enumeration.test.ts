import assert from "node:assert/strict";
import argon2 from "argon2";
import { loadConfig } from "../../../lib/config.js";
import { useTestApi } from "../../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000", AUTH_LOCKOUT_THRESHOLD: "3" });
const password = "correct horse battery staple";

describe("registration and sign-in do not tell which emails have an account", () => {
  const t = useTestApi({ config });

  const answer = (res: { status: number; body: unknown }) => ({ status: res.status, body: res.body && { ...(res.body as object), requestId: undefined } });

  it("registering a known email answers like a new one, changes nothing, and mails the owner instead", async () => {
    const known = `known-${Date.now()}@example.test`;
    const first = await t.api.post("/api/v1/auth/password/register", { email: known, password });
    const owner = await t.db("users").where({ email: known }).first();
    const hashBefore = (await t.db("user_passwords").where({ user_id: owner.id }).first()).password_hash;

    const again = await t.api.post("/api/v1/auth/password/register", { email: known, password: "someone else's password", displayName: "Mallory" });
    const fresh = await t.api.post("/api/v1/auth/password/register", { email: `fresh-${Date.now()}@example.test`, password });
    assert.deepEqual(answer(again), answer(fresh));
    assert.deepEqual(answer(first), answer(fresh));
    assert.equal(again.status, 202);

    assert.equal((await t.db("users").where({ email: known })).length, 1);
    assert.equal((await t.db("users").where({ email: known }).first()).display_name, null);
    assert.equal((await t.db("user_passwords").where({ user_id: owner.id }).first()).password_hash, hashBefore);
    const mails = await t.db("outbound_emails").where({ to_address: known }).orderBy("created_at");
    assert.deepEqual(
      mails.map((m) => m.template),
      ["verify_email", "account_exists"],
    );
    assert.equal(mails[1].data.token, undefined, "the notice carries no token");
  });

  it("wrong passwords for a known and an unknown email get the same answers, lockout included", async () => {
    const known = `victim-${Date.now()}@example.test`;
    await t.api.post("/api/v1/auth/password/register", { email: known, password });
    const unknown = `nobody-${Date.now()}@example.test`;
    const attempts = async (email: string) => {
      const out = [];
      for (let i = 0; i <= config.auth.lockoutThreshold; i++) {
        const res = await t.api.post("/api/v1/auth/password/sign-in", { email, password: "not the password" });
        out.push({ status: res.status, code: res.body.code });
      }
      return out;
    };
    const forKnown = await attempts(known);
    const forUnknown = await attempts(unknown);
    assert.deepEqual(forUnknown, forKnown);
    assert.deepEqual(
      forKnown.map((a) => a.status),
      [401, 401, 429, 429],
    );
  });

  it("every attempt pays one argon2 verification: unknown email, wrong password, locked account", async () => {
    const known = `timed-${Date.now()}@example.test`;
    await t.api.post("/api/v1/auth/password/register", { email: known, password });
    const real = argon2.verify;
    let calls = 0;
    argon2.verify = (...args: Parameters<typeof real>) => {
      calls++;
      return real(...args);
    };
    try {
      const costOf = async (email: string) => {
        calls = 0;
        const res = await t.api.post("/api/v1/auth/password/sign-in", { email, password: "not the password" });
        return { status: res.status, calls };
      };
      assert.deepEqual(await costOf(`ghost-${Date.now()}@example.test`), { status: 401, calls: 1 });
      for (let i = 1; i < config.auth.lockoutThreshold; i++) assert.deepEqual(await costOf(known), { status: 401, calls: 1 });
      assert.deepEqual(await costOf(known), { status: 429, calls: 1 }, "the attempt that locks");
      assert.deepEqual(await costOf(known), { status: 429, calls: 1 }, "an attempt while locked");
    } finally {
      argon2.verify = real;
    }
  });
});
