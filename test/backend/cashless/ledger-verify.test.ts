import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import type { Knex } from "../../../lib/database.js";
import { projectRoot } from "../../../scripts/support/local-chain.js";
import { isolatedTestDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";
import { buildCashless, fundedBand, pay } from "./fixtures.js";

const run = promisify(execFile);

describe("npm run ledger:verify", function () {
  this.timeout(90_000);
  let db: Knex;
  let url: string;
  let drop: () => Promise<void>;
  let api: TestApi;

  before(async () => {
    ({ db, url, drop } = await isolatedTestDatabase("festival_ledger_verify"));
    api = await startTestApi(db);
  });
  after(async () => {
    await api?.close();
    await drop?.();
  });

  /** The script as an operator runs it (the npm script's command), against this database. */
  const verify = () =>
    run(process.execPath, ["--import", "tsx", "scripts/ledger-verify.ts"], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "silent" },
    }).then(
      ({ stdout }) => ({ code: 0, out: stdout.trim() }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, out: `${error.stdout}${error.stderr}`.trim() }),
    );

  it("exits 0 on a consistent ledger and 1, naming the account, when a balance disagrees with its transfers", async () => {
    const c = await buildCashless(db, api);
    const { tagId, bandId } = await fundedBand(api, c, 1_000);
    assert.equal((await pay(api, c, { transferId: randomUUID(), tagId, amount: 250, currency: "EUR" })).status, 201);
    const ok = await verify();
    assert.equal(ok.code, 0, ok.out);
    assert.match(ok.out, /ledger ok: \d+ accounts, \d+ transfers/);

    // what only a superuser going around the guard could do
    const band = await db("wristbands").where("id", bandId).first();
    await db.raw("alter table ledger_accounts disable trigger trg_ledger_accounts_guard");
    await db.raw("update ledger_accounts set balance = balance + 1 where id = ?", [band.account_id]);
    await db.raw("alter table ledger_accounts enable trigger trg_ledger_accounts_guard");
    const bad = await verify();
    assert.equal(bad.code, 1, bad.out);
    assert.match(bad.out, new RegExp(`${band.account_id}\\s+fan\\s+stored 751\\s+computed 750`));
    assert.match(bad.out, /sum_of_all_accounts\s+stored 1/);
  });
});
