import assert from "node:assert/strict";
import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { recordAudit, systemAuditContext } from "../../../backend/src/modules/audit/service.js";
import { testDatabase } from "../../support/database.js";

describe("audit redaction", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
  });

  async function storedAfter(after: object): Promise<Record<string, unknown>> {
    const entityId = newId();
    await recordAudit(db, systemAuditContext(), { action: "test.recorded", entityType: "test", entityId, after });
    const row = await db("audit_log").where({ entity_id: entityId }).first("after");
    return row.after as Record<string, unknown>;
  }

  it("keeps ticket ids, transaction and block hashes and token addresses readable", async () => {
    const after = await storedAfter({
      token_id: "1000001",
      tokenId: "1000002",
      deploy_tx_hash: "0x" + "ab".repeat(32),
      deployTxHash: "0x" + "cd".repeat(32),
      anchor_tx_hash: "0x" + "ef".repeat(32),
      block_hash: "0x" + "12".repeat(32),
      token_address: "0x" + "34".repeat(20),
      fixedToken: "0x" + "56".repeat(20),
      device_token_id: "0190a1b2-0000-7000-8000-000000000001",
    });
    assert.equal(after.token_id, "1000001");
    assert.equal(after.tokenId, "1000002");
    assert.equal(after.deploy_tx_hash, "0x" + "ab".repeat(32));
    assert.equal(after.deployTxHash, "0x" + "cd".repeat(32));
    assert.equal(after.anchor_tx_hash, "0x" + "ef".repeat(32));
    assert.equal(after.block_hash, "0x" + "12".repeat(32));
    assert.equal(after.token_address, "0x" + "34".repeat(20));
    assert.equal(after.fixedToken, "0x" + "56".repeat(20));
    assert.equal(after.device_token_id, "0190a1b2-0000-7000-8000-000000000001");
  });

  it("redacts passwords, token and key hashes, secrets, keys, signatures and encrypted personal data", async () => {
    const secrets = {
      password: "hunter2hunter2",
      password_hash: "$argon2id$v=19$...",
      passwordHash: "$argon2id$v=19$...",
      token_hash: "refresh-token-hash",
      tokenHash: "refresh-token-hash",
      key_hash: "api-key-hash",
      keyHash: "api-key-hash",
      refreshToken: "rt_secret",
      accessToken: "eyJhbGciOi...",
      token: "push-token",
      secret: "whsec_...",
      signing_secret: "whsec_...",
      private_key: "0x" + "99".repeat(32),
      privateKey: "0x" + "99".repeat(32),
      signature: "0x" + "88".repeat(65),
      tax_id_encrypted: "\\x00",
      bank_details_encrypted: "\\x00",
      taxId: "DE123456789",
      iban: "DE89370400440532013000",
      bankDetails: "IBAN DE89...",
    };
    const after = await storedAfter({ ...secrets, nested: { password_hash: "x", token_id: "7" } });
    for (const key of Object.keys(secrets)) assert.equal(after[key], "[redacted]", key);
    assert.deepEqual(after.nested, { password_hash: "[redacted]", token_id: "7" });
  });
});
