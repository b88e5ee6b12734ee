import assert from "node:assert/strict";
import type { Knex } from "knex";
import { testDatabase } from "../../support/database.js";

describe("festivals schema", () => {
  let db: Knex;
  before(async () => {
    db = await testDatabase();
  });
  it("migrates", async () => {
    const r = await db.raw("select is_valid_timezone('Europe/Amsterdam') a, is_valid_timezone('Mars/Base') b");
    assert.deepEqual(r.rows[0], { a: true, b: false });
  });
});
