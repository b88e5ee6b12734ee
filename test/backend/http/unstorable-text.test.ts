import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import type { Knex } from "knex";
import { loadConfig } from "../../../lib/config.js";
import { testDatabase } from "../../support/database.js";
import { startTestApi, type TestApi } from "../../support/http.js";

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};
type Operation = { parameters?: Array<{ in: string; name: string }>; requestBody?: { content: Record<string, { schema: Schema }> } };
type OpenApi = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

const NUL = "a\u0000b";

/** Every string leaf of a body schema as [field path, a body holding NUL there]. */
function stringFields(doc: OpenApi, schema: Schema, path: string[] = [], seen = new Set<string>()): Array<[string[], unknown]> {
  if (schema.$ref) {
    if (seen.has(schema.$ref)) return [];
    const name = schema.$ref.split("/").pop()!;
    return stringFields(doc, doc.components!.schemas![name]!, path, new Set([...seen, schema.$ref]));
  }
  const alternatives = schema.anyOf ?? schema.oneOf ?? schema.allOf;
  if (alternatives) return alternatives.flatMap((s) => stringFields(doc, s, path, seen)).slice(0, 1);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("string")) return [[path, NUL]];
  if (types.includes("array") && schema.items) return stringFields(doc, schema.items, [...path, "0"], seen).map(([p, v]) => [p, [v]]);
  if (types.includes("object") && schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, s]) =>
      stringFields(doc, s, [...path, key], seen).map(([p, v]) => [p, { [key]: v }] as [string[], unknown]),
    );
  }
  return [];
}

describe("text the database cannot store is a 400 naming the field", () => {
  let db: Knex;
  let api: TestApi;
  before(async () => {
    db = await testDatabase();
    api = await startTestApi(db, { config: loadConfig({ RATE_LIMIT_SIGNIN_PER_MINUTE: "100000" }) });
  });
  after(() => api.close());

  type Problem = { code?: string; errors?: Array<{ field: string; message: string }> };
  const assertNamed = (res: { status: number; body: Problem; headers: Headers }, field: string, what: string, why: RegExp) => {
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/, what);
    assert.ok(
      res.body.errors?.some((e) => e.field === field && why.test(e.message)),
      `${what} names ${field} (${why}): ${JSON.stringify(res.body)}`,
    );
  };

  it("a NUL byte in any string body field or query parameter of every operation in /openapi.json", async () => {
    const doc = (await api.get("/openapi.json")).body as OpenApi;
    let probes = 0;
    const operations = new Set<string>();
    for (const [template, methods] of Object.entries(doc.paths)) {
      const path = template.replace(/\{\w+\}/g, "0190a5f4-0000-7000-8000-000000000001");
      for (const [method, op] of Object.entries(methods)) {
        const what = `${method.toUpperCase()} ${template}`;
        for (const param of op.parameters ?? []) {
          if (param.in !== "query") continue;
          const res = await api.request(method.toUpperCase(), `${path}?${param.name}=a%00b`);
          assertNamed(res, `query.${param.name}`, `${what} ?${param.name}`, /NUL/);
          probes++;
          operations.add(what);
        }
        const schema = op.requestBody?.content["application/json"]?.schema;
        for (const [field, body] of schema ? stringFields(doc, schema) : []) {
          const res = await api.request(method.toUpperCase(), path, { body });
          assertNamed(res, ["body", ...field].join("."), `${what} body.${field.join(".")}`, /NUL/);
          probes++;
          operations.add(what);
        }
      }
    }
    assert.ok(operations.size >= 29, `walked ${operations.size} operations with text input`);
    assert.ok(probes > operations.size);
  });

  it("a NUL byte in a path parameter", async () => {
    const res = await api.get("/api/v1/editions/a%00b/schedule");
    assertNamed(res, "params.editionId", "GET /api/v1/editions/{editionId}/schedule", /NUL/);
  });

  it("a lone surrogate escape (\\ud800) in a JSON body, and nothing is stored", async () => {
    const email = `surrogate-${Date.now()}@example.test`;
    const res = await api.request("POST", "/api/v1/auth/password/register", {
      body: { email, password: "long enough password", displayName: "bad \ud800 name" },
    });
    assertNamed(res, "body.displayName", "register", /surrogate/);
    assert.equal(await db("users").where({ email }).first(), undefined);
  });

  it("raw bytes that are not UTF-8 in a JSON body, and nothing is stored", async () => {
    const email = `latin1-${Date.now()}@example.test`;
    const bytes = Buffer.concat([
      Buffer.from(`{"email":"${email}","password":"long enough password","displayName":"Caf`),
      Buffer.from([0xe9]),
      Buffer.from(`"}`),
    ]);
    const res = await fetch(`${api.base}/api/v1/auth/password/register`, { method: "POST", headers: { "content-type": "application/json" }, body: bytes });
    const body = (await res.json()) as Problem;
    assertNamed({ status: res.status, body, headers: res.headers }, "body.displayName", "register with a latin-1 byte", /UTF-8/);
    assert.equal(await db("users").where({ email }).first(), undefined);
  });

  it("a header over Node's size limit is a 431 problem+json", async () => {
    const { status, type, body } = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${api.base}/api/v1/festivals`, { headers: { "x-filler": "x".repeat(20_000) } }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body: text }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(status, 431);
    assert.match(type, /^application\/problem\+json/);
    const problem = JSON.parse(body);
    assert.equal(problem.status, 431);
    assert.equal(problem.code, "headers_too_large");
  });
});
