import assert from "node:assert/strict";
import type { Knex } from "knex";
import { ApiKeyVerifier, generateApiKey } from "../../../backend/src/modules/api-keys/verifier.js";
import { testDatabase } from "../../support/database.js";

describe("API-key verifier cache", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
  });

  it("stays bounded: well-formed unknown keys do not grow it past its limit", async () => {
    const verifier = new ApiKeyVerifier(db, { maxEntries: 50 });
    for (let i = 0; i < 400; i++) assert.equal(await verifier.verify(generateApiKey().key), null);
    assert.ok(verifier.cachedEntries <= 50, `cache holds ${verifier.cachedEntries} entries`);
    assert.ok(verifier.cachedEntries > 0, "unknown keys are still cached (briefly), so a retry costs no query");
  });
});
