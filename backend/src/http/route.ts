import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { Router, type Request, type Response } from "express";
import type { z } from "zod";
import { z as zod } from "./zod.js";
import type { Guard, Principal } from "./auth.js";
import type { IdempotencyStore } from "./idempotency.js";
import { parseInput } from "./validate.js";
import { auditContext, type AuditContext } from "./audit-context.js";

type Method = "get" | "post" | "put" | "patch" | "delete";
type AnyObject = z.ZodType<Record<string, unknown>, Record<string, unknown>>;
export type Access = Guard | readonly Guard[] | "public";

export interface RouteContext<A extends Access, P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; always present unless the route is "public". */
  principal: A extends "public" ? Principal | undefined : Principal;
  /** Actor, IP, user agent and request id for `recordAudit` in the service. */
  audit: AuditContext;
  req: Request;
  res: Response;
}

export interface RouteSpec<A extends Access, P extends AnyObject, Q extends AnyObject, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  /** OpenAPI style: "/api/v1/festivals/{festivalId}". */
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** Who may call, stated once: "public", requireAuth, requireRole("admin"), requireApiScope("festivals:read"), or several. */
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  /** The success body; the handler's return value is parsed through it (unknown fields are dropped). Omit for 204. */
  response?: R;
  /** Success status: default 201 for POST, 200 otherwise, 204 without `response`. */
  status?: number;
  /** Accepts `Idempotency-Key` (money-moving POSTs): a replay returns the first response. */
  idempotent?: boolean;
  /** Extra middleware run before validation (e.g. a sign-in rate limit). */
  before?: Array<(req: Request, res: Response, next: (err?: unknown) => void) => void>;
  handler: (ctx: RouteContext<A, P extends z.ZodType ? z.output<P> : never, z.output<Q>, z.output<B>>) => Promise<R extends z.ZodType ? z.input<R> : void>;
}

export const ProblemSchema = zod
  .object({
    type: zod.string(),
    title: zod.string(),
    status: zod.number().int(),
    detail: zod.string(),
    code: zod.string(),
    errors: zod.array(zod.object({ field: zod.string(), message: zod.string() })).optional(),
    requestId: zod.string().optional(),
  })
  .openapi("Problem");

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

/**
 * One call per route that validates, authorizes and documents it:
 *
 *   api.route({
 *     method: "post", path: "/api/v1/festivals/{festivalId}/stages", summary: "Create a stage", tags: ["festivals"],
 *     access: requireApiScope("festivals:write"),
 *     params: z.object({ festivalId: z.uuid() }), body: CreateStageBody, response: Stage,
 *     handler: ({ params, body, principal, audit }) => stages.create(db, principal, audit, params.festivalId, body),
 *   });
 *
 * Bad params/query/body: 400 naming each field. Unknown body fields are dropped by zod
 * objects (mass-assignment safe); use z.strictObject to refuse them instead.
 */
export class ApiRouter {
  readonly router = Router();
  readonly registry = new OpenAPIRegistry();

  constructor(private readonly idempotency: IdempotencyStore) {
    this.registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
    this.registry.registerComponent("securitySchemes", "apiKey", { type: "apiKey", in: "header", name: "X-API-Key" });
  }

  route<
    A extends Access,
    P extends AnyObject = z.ZodObject<Record<string, never>>,
    Q extends AnyObject = z.ZodObject<Record<string, never>>,
    B extends z.ZodType = z.ZodUndefined,
    R extends z.ZodType = z.ZodVoid,
  >(spec: RouteSpec<A, P, Q, B, R>): void {
    const guards: Guard[] = spec.access === "public" ? [] : Array.isArray(spec.access) ? [...spec.access] : [spec.access as Guard];
    const successStatus = spec.status ?? (spec.response ? (spec.method === "post" ? 201 : 200) : 204);
    this.document(spec, guards, successStatus);

    const expressPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    this.router[spec.method](expressPath, ...(spec.before ?? []), ...guards, async (req: Request, res: Response) => {
      const params = spec.params ? parseInput(spec.params, req.params, "params") : {};
      const query = spec.query ? parseInput(spec.query, req.query, "query") : {};
      const body = spec.body ? parseInput(spec.body, req.body, "body") : undefined;
      const status = successStatus;
      const execute = async () => {
        const ctx = { params, query, body, principal: req.principal, audit: auditContext(req), req, res } as unknown as Parameters<typeof spec.handler>[0];
        const result = await spec.handler(ctx);
        return { status, body: spec.response ? spec.response.parse(result) : undefined };
      };
      const out = spec.idempotent ? await this.idempotency.run(req, req.principal, execute) : { ...(await execute()), replayed: false };
      if (spec.idempotent) res.setHeader("Idempotent-Replayed", String(out.replayed));
      if (out.body === undefined || out.status === 204) res.status(out.status).end();
      else res.status(out.status).json(out.body);
    });
  }

  private document(spec: RouteSpec<Access, AnyObject, AnyObject, z.ZodType, z.ZodType>, guards: Guard[], status: number): void {
    const acceptsApiKeys = guards.length > 0 && guards.every((g) => g.acceptsApiKeys);
    const who = spec.access === "public" ? "anyone" : guards.map((g) => g.describe).join(", and ");
    this.registry.registerPath({
      method: spec.method,
      path: spec.path,
      summary: spec.summary,
      description: [spec.description, `Access: ${who}.`, spec.idempotent ? "Accepts an Idempotency-Key header." : undefined].filter(Boolean).join("\n\n"),
      tags: spec.tags,
      security: spec.access === "public" ? [] : acceptsApiKeys ? [{ bearer: [] }, { apiKey: [] }] : [{ bearer: [] }],
      request: {
        ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
        ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
        ...(spec.idempotent ? { headers: zod.object({ "idempotency-key": zod.string().min(8).max(200).optional() }) } : {}),
        ...(spec.body ? { body: { required: true, content: { "application/json": { schema: spec.body } } } } : {}),
      },
      responses: {
        [status]: spec.response
          ? { description: "success", content: { "application/json": { schema: spec.response } } }
          : { description: "success, no content" },
        400: problem("invalid input: each field and why"),
        ...(spec.access === "public" ? {} : { 401: problem("not signed in"), 403: problem("not allowed") }),
        ...(spec.path.includes("{") ? { 404: problem("not found, or not yours") } : {}),
        ...(spec.idempotent ? { 409: problem("same Idempotency-Key still in progress"), 422: problem("Idempotency-Key reused") } : {}),
        429: problem("rate limited"),
      },
    });
  }

  /** The OpenAPI 3.1 document of every route registered so far. */
  openApiDocument(info: { title: string; version: string; description?: string }): object {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({ openapi: "3.1.0", info });
  }
}
