import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../../lib/config.js";
import { newId } from "../../../lib/ids.js";
import { createTestApiKey, createTestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" });
const password = "correct horse battery staple";

describe("users: account state (active, disabled, deleted)", () => {
  const t = useTestApi({ config });

  async function siwe(account = privateKeyToAccount(generatePrivateKey())) {
    const { nonce, domain, uri } = (await t.api.post("/api/v1/auth/siwe/nonce")).body;
    const message = createSiweMessage({ domain, uri, address: account.address, chainId: 31337, nonce, version: "1", issuedAt: new Date() });
    return t.api.post("/api/v1/auth/siwe/verify", { message, signature: await account.signMessage({ message }) });
  }

  it("a new wallet becomes an active fan account; the user_accounts view shows its state and sorted roles", async () => {
    const res = await siwe();
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const account = await t.db("user_accounts").where({ id: res.body.userId }).first();
    assert.deepEqual({ status: account.status, deleted_at: account.deleted_at, roles: account.roles }, { status: "active", deleted_at: null, roles: ["fan"] });
    const staff = await createTestUser(t.db, { roles: ["staff", "admin", "fan"] });
    assert.deepEqual((await t.db("user_accounts").where({ id: staff.userId }).first()).roles, ["admin", "fan", "staff"]);
  });

  it("a disabled account's session, API key, wallet sign-in and password sign-in are refused", async () => {
    const user = await createTestUser(t.db);
    const key = await createTestApiKey(t.db, user, ["profile:read"]);
    const account = privateKeyToAccount(generatePrivateKey());
    const first = await siwe(account);
    assert.equal(first.status, 201);
    const email = `disabled-${newId()}@example.test`;
    await t.api.post("/api/v1/auth/password/register", { email, password });
    const registered = await t.db("users").where({ email }).first("id");
    await t.db("users").where({ id: registered.id }).update({ email_verified_at: new Date() });

    await t.db("users").whereIn("id", [user.userId, first.body.userId, registered.id]).update({ status: "disabled" });
    assert.equal((await t.api.get("/api/v1/me", user.headers)).status, 401, "a session not cached yet is refused");
    assert.equal((await t.api.get("/api/v1/me", key.headers)).status, 401, "a key not cached yet is refused");
    const again = await siwe(account);
    assert.equal(again.status, 403);
    assert.equal(again.body.code, "account_disabled");
    const signIn = await t.api.post("/api/v1/auth/password/sign-in", { email, password });
    assert.equal(signIn.status, 401);
    assert.equal(signIn.body.code, "invalid_credentials");
    const refresh = await t.api.post("/api/v1/auth/refresh", { refreshToken: first.body.refreshToken });
    assert.equal(refresh.status, 401);

    await t.db("users").whereIn("id", [user.userId, first.body.userId, registered.id]).update({ status: "active" });
    assert.equal((await siwe(account)).status, 201, "enabled again, the wallet signs in");
    assert.equal((await t.api.post("/api/v1/auth/password/sign-in", { email, password })).status, 201);
  });

  it("a deleted account is gone: its session and key are refused, its wallet cannot sign in, an admin finds no roles", async () => {
    const user = await createTestUser(t.db);
    const key = await createTestApiKey(t.db, user, ["profile:read"]);
    const account = privateKeyToAccount(generatePrivateKey());
    const walletUser = await siwe(account);
    await t.db("users").whereIn("id", [user.userId, walletUser.body.userId]).update({ deleted_at: new Date() });
    assert.equal((await t.api.get("/api/v1/me", user.headers)).status, 401);
    assert.equal((await t.api.get("/api/v1/me", key.headers)).status, 401);
    assert.equal((await siwe(account)).status, 403);
    const admin = await createTestUser(t.db, { roles: ["admin"] });
    assert.equal((await t.api.get(`/api/v1/users/${user.userId}/roles`, admin.headers)).status, 404);
  });
});
