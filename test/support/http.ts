import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import { loadConfig, type Config } from "../../lib/config.js";
import { createLogger } from "../../lib/logger.js";
import { createApiServer } from "../../backend/src/http/server.js";
import { buildApp } from "../../backend/src/app.js";
import type { AppDeps } from "../../backend/src/http/route-deps.js";
import type { Knex } from "knex";
import { testDatabase } from "./database.js";

/**
 * The real app on an ephemeral port: `const api = await startTestApi(db); await api.get("/api/v1/me", alice.headers)`.
 * Call `api.close()` in `after`.
 */
export interface TestApi {
  base: string;
  app: ReturnType<typeof buildApp>;
  server: Server;
  request(method: string, path: string, opts?: { headers?: Record<string, string>; body?: unknown }): Promise<{ status: number; body: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  get(path: string, headers?: Record<string, string>): ReturnType<TestApi["request"]>;
  post(path: string, body?: unknown, headers?: Record<string, string>): ReturnType<TestApi["request"]>;
  close(): Promise<void>;
}

export async function startTestApi(db: Knex, opts: { config?: Config; chain?: AppDeps["chain"]; rateLimitNamespace?: string } = {}): Promise<TestApi> {
  // each test app counts its rate limits apart (they share the test database), unless a test makes them share
  const given = opts.config ?? loadConfig({});
  const config = { ...given, rateLimits: { ...given.rateLimits, namespace: opts.rateLimitNamespace ?? `test-${randomUUID()}` } };
  const app = buildApp({ config, db, log: createLogger("test", "silent"), chain: opts.chain });
  const server = createApiServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const request: TestApi["request"] = async (method, path, { headers = {}, body } = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    base,
    app,
    server,
    request,
    get: (path, headers) => request("GET", path, { headers }),
    post: (path, body, headers) => request("POST", path, { body, headers }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The preamble of a test file that drives the API: the shared test database and the real app
 * on an ephemeral port, opened in the enclosing `before` and closed in its `after`.
 *
 *   const t = useTestApi({ config });
 *   it("...", async () => assert.equal((await t.api.get("/api/v1/me", (await createTestUser(t.db)).headers)).status, 200));
 */
export function useTestApi(opts: { config?: Config; chain?: AppDeps["chain"] } = {}): { readonly db: Knex; readonly api: TestApi } {
  let db: Knex | undefined;
  let api: TestApi | undefined;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, opts);
  });
  after(() => api?.close());
  const opened = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("useTestApi: the API opens in `before`; use it inside a test or hook");
    return value;
  };
  return {
    get db() {
      return opened(db);
    },
    get api() {
      return opened(api);
    },
  };
}
