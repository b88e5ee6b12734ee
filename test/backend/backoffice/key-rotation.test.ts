import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../../../lib/config.js";
import { useTestApi } from "../../support/api-suite.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { buildCompany, type TestCompany } from "./fixtures.js";

describe("back office: personal data key rotation", () => {
  const t = useTestApi();
  const base = loadConfig({});
  const newKey = Buffer.from(randomBytes(32));
  let c: TestCompany, rotated: TestApi, newOnly: TestApi;

  before(async () => {
    c = await buildCompany(t.db, t.api, { name: "Rotation" });
    rotated = await startTestApi(t.db, { config: { ...base, dataEncryptionKey: newKey, dataEncryptionPreviousKeys: [Buffer.from(base.dataEncryptionKey)] } });
    newOnly = await startTestApi(t.db, { config: { ...base, dataEncryptionKey: newKey, dataEncryptionPreviousKeys: [] } });
  });
  after(async () => {
    await rotated.close();
    await newOnly.close();
  });

  it("reads under the previous key, re-encrypts under the new one, and then needs only the new key", async () => {
    const path = `/api/v1/companies/${c.companyId}/artists/${c.artistId}`;
    const before = await t.db("company_artists").where({ id: c.artistId }).first();
    assert.equal((await rotated.get(path, c.accountant.headers)).body.taxId, "12345678901");
    const result = await rotated.post(`/api/v1/companies/${c.companyId}/artists/rotate-keys`, undefined, c.owner.headers);
    assert.equal(result.status, 200, JSON.stringify(result.body));
    assert.deepEqual(result.body, { reencrypted: 1, alreadyCurrent: 0 });
    const after = await t.db("company_artists").where({ id: c.artistId }).first();
    assert.ok(!after.tax_id_encrypted.equals(before.tax_id_encrypted));
    assert.ok(after.tax_id_sha256.equals(before.tax_id_sha256), "the duplicate-search hash does not depend on the key");
    const read = await newOnly.get(path, c.accountant.headers);
    assert.equal(read.body.taxId, "12345678901");
    assert.equal(read.body.iban, "DE02120300000000202051");
    assert.deepEqual((await rotated.post(`/api/v1/companies/${c.companyId}/artists/rotate-keys`, undefined, c.owner.headers)).body, {
      reencrypted: 0,
      alreadyCurrent: 1,
    });
    const audit = await t.db("audit_log").where({ action: "company.keys_rotated", organization_id: c.companyId }).first();
    assert.ok(audit);
  });
});
