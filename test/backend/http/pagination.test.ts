import assert from "node:assert/strict";
import type { Knex } from "knex";
import { newId } from "../../../lib/ids.js";
import { paginate, type PageOrder } from "../../../backend/src/http/pagination.js";
import { testDatabase } from "../../support/database.js";

interface ProbeRow {
  id: string;
  rank: number;
  at: Date;
}

/** Every page of `order` over the probe table, `limit` rows at a time: the ids in page order. */
async function readAll(trx: Knex.Transaction, order: PageOrder, limit = 1): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await paginate(trx("pagination_probe"), { limit, cursor }, order, (r: ProbeRow) => r);
    for (const item of page.items) assert.deepEqual(Object.keys(item).sort(), ["at", "id", "rank"], "no cursor column in an item");
    ids.push(...page.items.map((r) => r.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("more than 100 pages");
}

/**
 * Runs `body` in a transaction holding a temporary probe table (gone at the end, never in the
 * shared schema): five rows whose timestamps differ by microseconds within one millisecond.
 */
async function withProbe(body: (trx: Knex.Transaction, rows: ProbeRow[]) => Promise<void>): Promise<void> {
  const db = await testDatabase();
  await db
    .transaction(async (trx) => {
      await trx.raw("create temporary table pagination_probe (id uuid primary key, rank integer not null, at timestamptz not null) on commit drop");
      const micros = [4, 1, 3, 5, 2];
      for (const [i, us] of micros.entries()) {
        await trx.raw("insert into pagination_probe (id, rank, at) values (?, ?, ?::timestamptz)", [newId(), i % 2, `2026-03-01 12:00:00.00000${us}+00`]);
      }
      const rows: ProbeRow[] = await trx("pagination_probe").select("*");
      await body(trx, rows);
      throw new Rollback();
    })
    .catch((error) => {
      if (!(error instanceof Rollback)) throw error;
    });
}

class Rollback extends Error {}

async function idsOrderedBy(trx: Knex.Transaction, orderBy: string): Promise<string[]> {
  const rows: Array<{ id: string }> = await trx.raw(`select id from pagination_probe order by ${orderBy}`).then((r) => r.rows);
  return rows.map((r) => r.id);
}

describe("http/pagination: paginate's cursor", () => {
  it("pages rows whose timestamps share a millisecond one at a time: every row exactly once, in order", async () => {
    await withProbe(async (trx) => {
      assert.deepEqual(await readAll(trx, { column: "at", order: "asc" }), await idsOrderedBy(trx, "at, id"));
      assert.deepEqual(await readAll(trx, { column: "at", order: "desc" }), await idsOrderedBy(trx, "at desc, id desc"));
      assert.deepEqual(await readAll(trx, { column: "at", order: "desc" }, 2), await idsOrderedBy(trx, "at desc, id desc"));
    });
  });

  it("orders each column in its own direction", async () => {
    await withProbe(async (trx) => {
      const order: PageOrder = { column: [{ column: "rank", order: "desc" }, "at"], order: "asc" };
      assert.deepEqual(await readAll(trx, order), await idsOrderedBy(trx, "rank desc, at, id"));
      assert.deepEqual(await readAll(trx, order, 2), await idsOrderedBy(trx, "rank desc, at, id"));
      const desc: PageOrder = { column: ["rank", { column: "at", order: "asc" }], order: "desc" };
      assert.deepEqual(await readAll(trx, desc), await idsOrderedBy(trx, "rank desc, at, id desc"));
    });
  });

  it("keeps the query's own selection (or every column when it names none)", async () => {
    await withProbe(async (trx, rows) => {
      const page = await paginate(trx("pagination_probe").select("id"), { limit: 10 }, { column: "at", order: "asc" }, (r: { id: string }) => r);
      assert.equal(page.items.length, rows.length);
      assert.deepEqual(Object.keys(page.items[0]!), ["id"]);
      assert.equal(page.nextCursor, null);
    });
  });
});
