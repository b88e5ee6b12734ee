import assert from "node:assert/strict";
import { Keypair, StrKey } from "@stellar/stellar-sdk";
import { loadConfig } from "../../../lib/config.js";
import { createTestUser } from "../../support/auth.js";
import { useTestApi } from "../../support/http.js";

/** A G... id of the right shape whose CRC16 checksum does not match. */
function badChecksum(): string {
  const good = Keypair.random().publicKey();
  for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") {
    const candidate = good.slice(0, -1) + c;
    if (candidate !== good && !StrKey.isValidEd25519PublicKey(candidate)) return candidate;
  }
  throw new Error("unreachable");
}

describe("Stellar account ids", () => {
  const t = useTestApi({ config: loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" }) });

  it("an id that matches the pattern but fails its checksum is a 400 naming body.account, at sign-in and at wallet linking", async () => {
    const account = badChecksum();
    assert.match(account, /^G[A-Z2-7]{55}$/);
    const user = await createTestUser(t.db);
    for (const [path, headers] of [
      ["/api/v1/auth/stellar/challenge", {}],
      ["/api/v1/me/wallets/stellar/challenge", user.headers],
    ] as const) {
      const res = await t.api.post(path, { account }, headers);
      assert.equal(res.status, 400, `${path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.code, "invalid_input");
      assert.deepEqual(
        res.body.errors.map((e: { field: string }) => e.field),
        ["body.account"],
      );
      assert.match(res.body.errors[0].message, /checksum/);
    }
    assert.equal(await t.db("stellar_challenges").where({ account }).first(), undefined);
  });

  it("a valid id still gets a challenge", async () => {
    const res = await t.api.post("/api/v1/auth/stellar/challenge", { account: Keypair.random().publicKey() });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
});
