import assert from "node:assert/strict";
import type { Knex } from "knex";
import type { TestUser } from "./auth.js";
import { testDatabase } from "./database.js";
import { startTestApi, type TestApi } from "./http.js";

/** The shared test database and the real app on it, started in `before` and closed in `after`. */
export interface ApiSuite {
  readonly db: Knex;
  readonly api: TestApi;
}

/**
 * Mocha hooks for a file (or describe block) that talks to the API:
 *
 *   describe("venues", () => {
 *     const t = useTestApi();
 *     it("...", async () => {
 *       const f = await buildFestival(t.db, t.api);
 *       await expectStatus(t.api, 200, "GET", `/api/v1/venues/${f.venueId}`, f.owner);
 *     });
 *   });
 *
 * Read `t.db` and `t.api` inside hooks and tests (they exist once `before` ran).
 */
export function useTestApi(opts: Parameters<typeof startTestApi>[1] = {}): ApiSuite {
  let db: Knex | undefined;
  let api: TestApi | undefined;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, opts);
  });
  after(async () => {
    await api?.close();
  });
  return {
    get db() {
      assert.ok(db, "useTestApi: db is there once its before hook ran");
      return db;
    },
    get api() {
      assert.ok(api, "useTestApi: api is there once its before hook ran");
      return api;
    },
  };
}

/** One request as `user` (or anonymous), JSON body optional. */
export async function call(api: TestApi, method: string, path: string, user: TestUser | undefined, body?: unknown) {
  return api.request(method, path, { headers: user?.headers ?? {}, body });
}

/** Like `call`, asserting the status (with the problem body in the message when it differs). */
export async function expectStatus(api: TestApi, status: number, method: string, path: string, user: TestUser | undefined, body?: unknown) {
  const res = await call(api, method, path, user, body);
  assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Asserts an RFC 9457 problem: its status, its code and (when given) the fields it names. */
export async function expectProblem(
  api: TestApi,
  expected: { status: number; code: string; fields?: string[] },
  method: string,
  path: string,
  user: TestUser | undefined,
  body?: unknown,
) {
  const res = await call(api, method, path, user, body);
  assert.equal(res.status, expected.status, `${method} ${path}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, expected.code, `${method} ${path}: ${JSON.stringify(res.body)}`);
  if (expected.fields) {
    const named = (res.body.errors ?? []).map((e: { field: string }) => e.field);
    for (const field of expected.fields) assert.ok(named.includes(field), `${method} ${path}: names ${field} (${JSON.stringify(res.body.errors)})`);
  }
  return res.body;
}
