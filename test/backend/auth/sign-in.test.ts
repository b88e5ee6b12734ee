import assert from "node:assert/strict";
import { Keypair, TransactionBuilder } from "@stellar/stellar-sdk";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../../lib/config.js";
import { startTestApi, useTestApi } from "../../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000", AUTH_LOCKOUT_THRESHOLD: "3" });
const { domain, uri } = config.auth.siwe;

describe("sign-in", () => {
  const t = useTestApi({ config });

  const sessionsOf = async (address: string) =>
    Number(
      (
        await t
          .db("auth_sessions as s")
          .join("wallets as w", "w.user_id", "s.user_id")
          .where("w.address", address.startsWith("0x") ? address.toLowerCase() : address)
          .count({ n: "*" })
      )[0]!.n,
    );

  describe("Sign-In with Ethereum", () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const other = privateKeyToAccount(generatePrivateKey());

    async function nonce(): Promise<string> {
      const res = await t.api.post("/api/v1/auth/siwe/nonce");
      assert.equal(res.status, 200);
      return res.body.nonce;
    }
    const message = (n: string, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) =>
      createSiweMessage({
        domain,
        uri,
        address: account.address,
        chainId: 31337,
        nonce: n,
        version: "1",
        issuedAt: new Date(),
        statement: "Sign in to the festival platform",
        ...overrides,
      });

    it("signs in with a valid message, once per nonce", async () => {
      const n = await nonce();
      const msg = message(n);
      const signature = await account.signMessage({ message: msg });
      const ok = await t.api.post("/api/v1/auth/siwe/verify", { message: msg, signature });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.ok(ok.body.accessToken && ok.body.refreshToken);
      const me = await t.api.get("/api/v1/me", { authorization: `Bearer ${ok.body.accessToken}` });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body.roles, ["fan"]);
      const wallet = await t.db("wallets").where({ address: account.address.toLowerCase() }).first();
      assert.equal(wallet.is_primary, true);
      assert.equal(wallet.user_id, ok.body.userId);

      // replayed nonce
      const replay = await t.api.post("/api/v1/auth/siwe/verify", { message: msg, signature });
      assert.equal(replay.status, 401);
      assert.equal(replay.body.code, "invalid_nonce");
      assert.equal(await sessionsOf(account.address), 1);

      // a second sign-in reaches the same user
      const n2 = await nonce();
      const msg2 = message(n2);
      const again = await t.api.post("/api/v1/auth/siwe/verify", { message: msg2, signature: await account.signMessage({ message: msg2 }) });
      assert.equal(again.body.userId, ok.body.userId);
    });

    const refused: Array<[string, (n: string) => Promise<{ message: string; signature: string }>, string]> = [
      [
        "an expired message",
        async (n) => signed(message(n, { issuedAt: new Date(Date.now() - 120_000), expirationTime: new Date(Date.now() - 60_000) })),
        "expired",
      ],
      ["a wrong domain", async (n) => signed(message(n, { domain: "evil.example" })), "domain"],
      ["a wrong chain id", async (n) => signed(message(n, { chainId: 1 })), "chain id"],
      ["a wrong uri", async (n) => signed(message(n, { uri: "https://evil.example" })), "uri"],
      [
        "a tampered statement",
        async (n) => {
          const s = await signed(message(n));
          return { message: s.message.replace("Sign in to the festival platform", "Transfer everything"), signature: s.signature };
        },
        "signature",
      ],
      ["a signature by another address", async (n) => ({ message: message(n), signature: await other.signMessage({ message: message(n) }) }), "signature"],
      ["a nonce the server never issued", async () => signed(message("abcdefghijklmnop1234")), "nonce"],
    ];
    async function signed(msg: string) {
      return { message: msg, signature: await account.signMessage({ message: msg }) };
    }

    for (const [name, make, why] of refused) {
      it(`refuses ${name} with 401, opens no session, spends no nonce`, async () => {
        const before = await t.db("auth_sessions").count({ n: "*" });
        const n = await nonce();
        const attempt = await make(n);
        const res = await t.api.post("/api/v1/auth/siwe/verify", attempt);
        assert.equal(res.status, 401, JSON.stringify(res.body));
        assert.match(res.body.detail, new RegExp(why));
        assert.deepEqual(await t.db("auth_sessions").count({ n: "*" }), before);
        const row = await t.db("auth_nonces").where({ nonce: n }).first();
        assert.equal(row.consumed_at, null);
      });
    }

    it("refuses an expired nonce", async () => {
      const n = await nonce();
      await t
        .db("auth_nonces")
        .where({ nonce: n })
        .update({ expires_at: new Date(Date.now() - 1000) }); // time passes
      const res = await t.api.post("/api/v1/auth/siwe/verify", await signed(message(n)));
      assert.equal(res.status, 401);
      assert.equal(res.body.code, "invalid_nonce");
    });

    it("answers 400 naming the field for a malformed body", async () => {
      const res = await t.api.post("/api/v1/auth/siwe/verify", { message: "", signature: "nope" });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.errors.map((e: { field: string }) => e.field).sort(), ["body.message", "body.signature"]);
    });
  });

  describe("Stellar SEP-10", () => {
    const client = Keypair.random();
    const stranger = Keypair.random();
    const passphrase = config.auth.stellar.networkPassphrase;

    async function challenge(account = client.publicKey()): Promise<string> {
      const res = await t.api.post("/api/v1/auth/stellar/challenge", { account });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.transaction;
    }
    function sign(xdr: string, ...signers: Keypair[]): string {
      const tx = TransactionBuilder.fromXDR(xdr, passphrase);
      for (const k of signers) tx.sign(k);
      return tx.toEnvelope().toXDR("base64");
    }

    it("signs in with a signed challenge, and refuses it a second time", async () => {
      const signedTx = sign(await challenge(), client);
      const ok = await t.api.post("/api/v1/auth/stellar/verify", { transaction: signedTx });
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      const wallet = await t.db("wallets").where({ network: "stellar", address: client.publicKey() }).first();
      assert.equal(wallet.user_id, ok.body.userId);

      const replay = await t.api.post("/api/v1/auth/stellar/verify", { transaction: signedTx });
      assert.equal(replay.status, 401);
      assert.equal(await sessionsOf(client.publicKey()), 1);
    });

    it("refuses a challenge signed by a non-signer", async () => {
      const res = await t.api.post("/api/v1/auth/stellar/verify", { transaction: sign(await challenge(), stranger) });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, "invalid_stellar_challenge");
    });

    it("refuses an expired challenge", async () => {
      const xdr = await challenge();
      const hash = Buffer.from(TransactionBuilder.fromXDR(xdr, passphrase).hash()).toString("hex");
      await t
        .db("stellar_challenges")
        .where({ tx_hash: hash })
        .update({ expires_at: new Date(Date.now() - 1000) }); // time passes
      const res = await t.api.post("/api/v1/auth/stellar/verify", { transaction: sign(xdr, client) });
      assert.equal(res.status, 401);
    });

    it("refuses a challenge built by another server key", async () => {
      const forged = await import("@stellar/stellar-sdk").then(({ WebAuth }) =>
        WebAuth.buildChallengeTx(Keypair.random(), client.publicKey(), config.auth.stellar.homeDomain, 300, passphrase, config.auth.stellar.webAuthDomain),
      );
      const res = await t.api.post("/api/v1/auth/stellar/verify", { transaction: sign(forged, client) });
      assert.equal(res.status, 401);
    });
  });

  describe("sessions", () => {
    async function signIn() {
      const account = privateKeyToAccount(generatePrivateKey());
      const n = (await t.api.post("/api/v1/auth/siwe/nonce")).body.nonce;
      const msg = createSiweMessage({ domain, uri, address: account.address, chainId: 31337, nonce: n, version: "1", issuedAt: new Date() });
      const res = await t.api.post("/api/v1/auth/siwe/verify", { message: msg, signature: await account.signMessage({ message: msg }) });
      assert.equal(res.status, 201);
      return res.body;
    }

    it("rotates refresh tokens; reusing a rotated one revokes the whole family", async () => {
      const first = await signIn();
      const second = await t.api.post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
      assert.equal(second.status, 200);
      assert.notEqual(second.body.refreshToken, first.refreshToken);
      const third = await t.api.post("/api/v1/auth/refresh", { refreshToken: second.body.refreshToken });
      assert.equal(third.status, 200);

      const reuse = await t.api.post("/api/v1/auth/refresh", { refreshToken: first.refreshToken });
      assert.equal(reuse.status, 401);
      assert.equal(reuse.body.code, "refresh_token_reused");
      // the newest token of the family is dead too, and so is the access token
      assert.equal((await t.api.post("/api/v1/auth/refresh", { refreshToken: third.body.refreshToken })).status, 401);
      assert.equal((await t.api.get("/api/v1/me", { authorization: `Bearer ${third.body.accessToken}` })).status, 401);
      const session = await t.db("auth_sessions").where({ id: first.sessionId }).first();
      assert.equal(session.revoked_reason, "refresh_token_reuse");
    });

    it("logout revokes the session at once", async () => {
      const s = await signIn();
      const auth = { authorization: `Bearer ${s.accessToken}` };
      assert.equal((await t.api.get("/api/v1/me", auth)).status, 200);
      assert.equal((await t.api.post("/api/v1/auth/logout", undefined, auth)).status, 204);
      assert.equal((await t.api.get("/api/v1/me", auth)).status, 401);
      assert.equal((await t.api.post("/api/v1/auth/refresh", { refreshToken: s.refreshToken })).status, 401);
    });
  });

  describe("email and password", () => {
    const password = "correct horse battery staple";
    async function registerVerified(email: string) {
      const reg = await t.api.post("/api/v1/auth/password/register", { email, password, displayName: "Gate 3 scanner" });
      assert.equal(reg.status, 202, JSON.stringify(reg.body));
      const { id: userId } = await t.db("users").where({ email }).first("id");
      const mail = await t.db("outbound_emails").where({ to_address: email, template: "verify_email" }).orderBy("created_at", "desc").first();
      const unverified = await t.api.post("/api/v1/auth/password/sign-in", { email, password });
      assert.equal(unverified.status, 403);
      assert.equal((await t.api.post("/api/v1/auth/email/verify", { token: mail.data.token })).status, 204);
      assert.equal((await t.api.post("/api/v1/auth/email/verify", { token: mail.data.token })).status, 400); // single use
      const tokenRow = await t.db("email_tokens").where({ user_id: userId }).first();
      assert.notEqual(tokenRow.token_hash, mail.data.token); // stored hashed
      return userId as string;
    }

    it("registers, verifies the email, signs in; a short password is a 400", async () => {
      const email = `staff-${Date.now()}@example.test`;
      await registerVerified(email);
      const ok = await t.api.post("/api/v1/auth/password/sign-in", { email, password });
      assert.equal(ok.status, 201);
      const weak = await t.api.post("/api/v1/auth/password/register", { email: "x@example.test", password: "short" });
      assert.equal(weak.status, 400);
      assert.equal(weak.body.errors[0].field, "body.password");
      const stored = await t.db("user_passwords").where({ user_id: ok.body.userId }).first();
      assert.match(stored.password_hash, /^\$argon2id\$/);
    });

    it(`locks the account after ${config.auth.lockoutThreshold} failed passwords, even for the right one`, async () => {
      const email = `locked-${Date.now()}@example.test`;
      const userId = await registerVerified(email);
      for (let i = 1; i < config.auth.lockoutThreshold; i++) {
        const res = await t.api.post("/api/v1/auth/password/sign-in", { email, password: "wrong password!!" });
        assert.equal(res.status, 401);
      }
      const last = await t.api.post("/api/v1/auth/password/sign-in", { email, password: "wrong password!!" });
      assert.equal(last.status, 429);
      assert.equal(last.body.code, "account_locked");
      const right = await t.api.post("/api/v1/auth/password/sign-in", { email, password });
      assert.equal(right.status, 429);
      const audit = await t.db("audit_log").where({ entity_id: userId, action: "user.locked_out" });
      assert.equal(audit.length, 1);

      // a password reset lifts the lockout; the reset token is single use
      assert.equal((await t.api.post("/api/v1/auth/password/forgot", { email })).status, 202);
      assert.equal((await t.api.post("/api/v1/auth/password/forgot", { email: "nobody@example.test" })).status, 202);
      const mail = await t.db("outbound_emails").where({ to_address: email, template: "reset_password" }).first();
      const newPassword = "another long passphrase";
      assert.equal((await t.api.post("/api/v1/auth/password/reset", { token: mail.data.token, password: newPassword })).status, 204);
      assert.equal((await t.api.post("/api/v1/auth/password/reset", { token: mail.data.token, password: newPassword })).status, 400);
      assert.equal((await t.api.post("/api/v1/auth/password/sign-in", { email, password: newPassword })).status, 201);
    });

    it("rate-limits sign-in per client", async () => {
      const limited = await startTestApi(t.db, { config: loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "2" }) });
      try {
        const statuses = [];
        for (let i = 0; i < 3; i++) statuses.push((await limited.post("/api/v1/auth/siwe/nonce")).status);
        assert.deepEqual(statuses, [200, 200, 429]);
      } finally {
        await limited.close();
      }
    });
  });
});
