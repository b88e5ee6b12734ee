import assert from "node:assert/strict";
import { Keypair, TransactionBuilder } from "@stellar/stellar-sdk";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../../lib/config.js";
import { hashPassword } from "../../../backend/src/modules/auth/passwords.js";
import { createTestUser, type TestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" });

describe("users: wallets (link, list, make primary, unlink)", () => {
  const t = useTestApi({ config });

  async function linkEvm(user: TestUser, account: PrivateKeyAccount, opts: { label?: string; nonceOf?: TestUser } = {}) {
    const issued = await t.api.post("/api/v1/me/wallets/evm/nonce", undefined, (opts.nonceOf ?? user).headers);
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    const { nonce, domain, uri } = issued.body;
    const message = createSiweMessage({ domain, uri, address: account.address, chainId: 31337, nonce, version: "1", issuedAt: new Date() });
    const body = { message, signature: await account.signMessage({ message }), ...(opts.label ? { label: opts.label } : {}) };
    return t.api.post("/api/v1/me/wallets/evm", body, user.headers);
  }
  const wallets = async (user: TestUser) => (await t.api.get("/api/v1/me/wallets", user.headers)).body.items as Array<Record<string, unknown>>;

  it("links EVM wallets with a signed link nonce: the first is primary, the list is by network then age", async () => {
    const fan = await createTestUser(t.db);
    const first = privateKeyToAccount(generatePrivateKey());
    const second = privateKeyToAccount(generatePrivateKey());
    const a = await linkEvm(fan, first, { label: "phone" });
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.deepEqual(
      { ...a.body, id: undefined, verifiedAt: undefined },
      {
        id: undefined,
        network: "evm",
        address: first.address.toLowerCase(),
        label: "phone",
        isPrimary: true,
        verifiedAt: undefined,
      },
    );
    const b = await linkEvm(fan, second);
    assert.equal(b.status, 201);
    assert.equal(b.body.isPrimary, false);
    assert.equal(b.body.label, null);
    assert.deepEqual(
      (await wallets(fan)).map((w) => [w.address, w.isPrimary]),
      [
        [first.address.toLowerCase(), true],
        [second.address.toLowerCase(), false],
      ],
    );
    const audit = await t.db("audit_log").where({ entity_id: a.body.id, action: "wallet.linked" });
    assert.equal(audit.length, 1);
  });

  it("an address belongs to one account; a link nonce belongs to who asked for it", async () => {
    const [alice, bob] = await Promise.all([createTestUser(t.db), createTestUser(t.db)]);
    const account = privateKeyToAccount(generatePrivateKey());
    assert.equal((await linkEvm(alice, account)).status, 201);
    const again = await linkEvm(alice, account);
    assert.equal(again.status, 409);
    assert.equal(again.body.code, "wallet_taken");
    assert.match(again.body.detail, /already linked to you/);
    const taken = await linkEvm(bob, account);
    assert.equal(taken.status, 409);
    assert.match(taken.body.detail, /another account/);

    const stolenNonce = await linkEvm(bob, privateKeyToAccount(generatePrivateKey()), { nonceOf: alice });
    assert.equal(stolenNonce.status, 401);
    assert.equal(stolenNonce.body.code, "invalid_nonce");
    assert.deepEqual(await wallets(bob), []);
  });

  it("links a Stellar account with a signed SEP-10 challenge", async () => {
    const fan = await createTestUser(t.db);
    const keypair = Keypair.random();
    const challenge = await t.api.post("/api/v1/me/wallets/stellar/challenge", { account: keypair.publicKey() }, fan.headers);
    assert.equal(challenge.status, 200, JSON.stringify(challenge.body));
    const tx = TransactionBuilder.fromXDR(challenge.body.transaction, config.auth.stellar.networkPassphrase);
    tx.sign(keypair);
    const linked = await t.api.post("/api/v1/me/wallets/stellar", { transaction: tx.toEnvelope().toXDR("base64"), label: "ledger" }, fan.headers);
    assert.equal(linked.status, 201, JSON.stringify(linked.body));
    assert.equal(linked.body.network, "stellar");
    assert.equal(linked.body.address, keypair.publicKey());
    assert.equal(linked.body.isPrimary, true);
    const replay = await t.api.post("/api/v1/me/wallets/stellar", { transaction: tx.toEnvelope().toXDR("base64") }, fan.headers);
    assert.equal(replay.status, 401, "a challenge is spent once");
  });

  it("makes another wallet primary (one primary per network) and labels it", async () => {
    const fan = await createTestUser(t.db);
    const a = (await linkEvm(fan, privateKeyToAccount(generatePrivateKey()))).body;
    const b = (await linkEvm(fan, privateKeyToAccount(generatePrivateKey()))).body;
    const res = await t.api.request("PATCH", `/api/v1/me/wallets/${b.id}`, { headers: fan.headers, body: { isPrimary: true, label: "main" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.isPrimary, true);
    assert.equal(res.body.label, "main");
    assert.deepEqual(
      (await wallets(fan)).map((w) => [w.id, w.isPrimary]),
      [
        [a.id, false],
        [b.id, true],
      ],
    );
    const stranger = await createTestUser(t.db);
    const foreign = await t.api.request("PATCH", `/api/v1/me/wallets/${b.id}`, { headers: stranger.headers, body: { label: "mine now" } });
    assert.equal(foreign.status, 404);
  });

  it("unlinking the primary promotes the oldest other wallet of that network; the last way to sign in stays", async () => {
    const fan = await createTestUser(t.db);
    const a = (await linkEvm(fan, privateKeyToAccount(generatePrivateKey()))).body;
    const b = (await linkEvm(fan, privateKeyToAccount(generatePrivateKey()))).body;
    assert.equal((await t.api.request("DELETE", `/api/v1/me/wallets/${a.id}`, { headers: fan.headers })).status, 204);
    assert.deepEqual(
      (await wallets(fan)).map((w) => [w.id, w.isPrimary]),
      [[b.id, true]],
    );
    const last = await t.api.request("DELETE", `/api/v1/me/wallets/${b.id}`, { headers: fan.headers });
    assert.equal(last.status, 422);
    assert.equal(last.body.code, "last_sign_in_method");
    assert.equal((await wallets(fan)).length, 1);
    assert.equal((await t.api.request("DELETE", `/api/v1/me/wallets/${a.id}`, { headers: fan.headers })).status, 404);
  });

  it("an account with a password may unlink its last wallet", async () => {
    const staff = await createTestUser(t.db);
    await t.db("user_passwords").insert({ user_id: staff.userId, password_hash: await hashPassword("correct horse battery staple") });
    const only = (await linkEvm(staff, privateKeyToAccount(generatePrivateKey()))).body;
    assert.equal((await t.api.request("DELETE", `/api/v1/me/wallets/${only.id}`, { headers: staff.headers })).status, 204);
    assert.deepEqual(await wallets(staff), []);
  });
});
