import assert from "node:assert/strict";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createSiweMessage } from "viem/siwe";
import { loadConfig } from "../../../lib/config.js";
import { useTestApi } from "../../support/http.js";

const config = loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" });

describe("Sign-In with Ethereum: the URI", () => {
  const t = useTestApi({ config });

  const account = privateKeyToAccount(generatePrivateKey());
  async function signIn(uri: string) {
    const { nonce, domain } = (await t.api.post("/api/v1/auth/siwe/nonce")).body;
    const message = createSiweMessage({ domain, uri, address: account.address, chainId: 31337, nonce, version: "1", issuedAt: new Date() });
    return t.api.post("/api/v1/auth/siwe/verify", { message, signature: await account.signMessage({ message }) });
  }

  it("a URI under the server's URI (another path) is refused, and no session opens", async () => {
    for (const uri of [`${config.auth.siwe.uri}/uploads/evil.html`, `${config.auth.siwe.uri}/`]) {
      const res = await signIn(uri);
      assert.equal(res.status, 401, `${uri}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, "invalid_siwe_message");
      assert.match(res.body.detail, /uri must be/);
    }
    const sessions = await t.db("auth_sessions as s").join("wallets as w", "w.user_id", "s.user_id").where("w.address", account.address.toLowerCase());
    assert.equal(sessions.length, 0);
  });

  it("exactly the announced URI signs in", async () => {
    const announced = (await t.api.post("/api/v1/auth/siwe/nonce")).body.uri;
    assert.equal(announced, config.auth.siwe.uri);
    const res = await signIn(announced);
    assert.equal(res.status, 201, JSON.stringify(res.body));
  });
});
