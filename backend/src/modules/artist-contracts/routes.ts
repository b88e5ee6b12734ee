import express, { type Request } from "express";
import { requireAuth } from "../../http/auth.js";
import { HttpError } from "../../http/errors.js";
import { pageOf, PageQuery } from "../../http/pagination.js";
import { ProblemSchema, type ApiRouter } from "../../http/route.js";
import { z } from "../../http/zod.js";
import { parseDocusign, parseDropboxSign } from "./esign.js";
import * as s from "./schemas.js";
import type { ContractService } from "./service.js";

export interface EsignKeys {
  docusignHmacKey?: string;
  dropboxSignApiKey?: string;
}

function keyOf(key: string | undefined, provider: string): string {
  if (!key) throw new HttpError(503, "esign_provider_not_configured", `${provider} webhooks are not configured here`);
  return key;
}

const problem = (description: string) => ({ description, content: { "application/problem+json": { schema: ProblemSchema } } });

export function contractRoutes(api: ApiRouter, contracts: ContractService, keys: EsignKeys): void {
  const tags = ["artist contracts"];
  const base = "/api/v1/companies/{companyId}/contracts";
  api.route({
    method: "post",
    path: base,
    tags,
    summary: "Draft an artist contract (version 1)",
    description: "Rules: the fee is > 0, the dates lie inside the production, the fee meets the union minimum, milestones add up to at most the fee.",
    access: requireAuth,
    params: s.CompanyParams,
    body: s.CreateContractBody,
    response: s.Contract,
    handler: ({ principal, audit, params, body }) => contracts.create(principal, audit, params.companyId, body),
  });
  api.route({
    method: "get",
    path: base,
    tags,
    summary: "Contracts: all for staff, your own for an artist",
    access: requireAuth,
    params: s.CompanyParams,
    query: s.ContractListQuery,
    response: pageOf(s.Contract),
    handler: ({ principal, params, query }) => contracts.list(principal, params.companyId, query),
  });
  api.route({
    method: "get",
    path: `${base}/{contractId}`,
    tags,
    summary: "A contract with its versions, milestones and signature requests",
    access: requireAuth,
    params: s.ContractParams,
    response: s.Contract,
    handler: ({ principal, params }) => contracts.get(principal, params.companyId, params.contractId),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/amendments`,
    tags,
    summary: "Amend the current, unsigned version: a new version with a reason and a diff of the terms",
    access: requireAuth,
    params: s.ContractParams,
    body: s.AmendBody,
    response: s.Contract,
    handler: ({ principal, audit, params, body }) => contracts.amend(principal, audit, params.companyId, params.contractId, body),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/send`,
    tags,
    summary: "Send the current version for signature (manual provider by default)",
    access: requireAuth,
    params: s.ContractParams,
    body: s.SendBody,
    response: s.Contract,
    status: 200,
    handler: ({ principal, audit, params, body }) => contracts.send(principal, audit, params.companyId, params.contractId, body),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/signature-requests/{requestId}/sign`,
    tags,
    summary: "Sign in the platform (the built-in manual provider; the contract's artist)",
    access: requireAuth,
    params: s.SignatureParams,
    response: s.Contract,
    status: 200,
    handler: ({ principal, audit, params }) => contracts.signManually(principal, audit, params.companyId, params.contractId, params.requestId),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/status`,
    tags,
    summary: "Complete, expire, terminate, cancel or archive a contract (active comes only from a signature)",
    access: requireAuth,
    params: s.ContractParams,
    body: s.StatusBody,
    response: s.Contract,
    status: 200,
    handler: ({ principal, audit, params, body }) => contracts.changeStatus(principal, audit, params.companyId, params.contractId, body),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/milestones/{milestoneId}/paid`,
    tags,
    summary: "Record a payment milestone as paid (finance)",
    access: requireAuth,
    params: s.MilestoneParams,
    response: s.Contract,
    status: 200,
    idempotent: true,
    handler: ({ principal, audit, params }) => contracts.payMilestone(principal, audit, params.companyId, params.contractId, params.milestoneId),
  });
  api.route({
    method: "post",
    path: `${base}/{contractId}/performance`,
    tags,
    summary: "Confirm or cancel the performance of an active contract (production manager; paid on performance)",
    description: "A check-in of the artist at a performance session of the contract's production confirms it as well.",
    access: requireAuth,
    params: s.ContractParams,
    body: s.PerformanceBody,
    response: s.Contract,
    status: 200,
    handler: ({ principal, audit, params, body }) => contracts.decidePerformance(principal, audit, params.companyId, params.contractId, body.outcome),
  });
  api.route({
    method: "get",
    path: "/api/v1/companies/{companyId}/signature-events",
    tags,
    summary: "E-signature webhook events received for the company",
    access: requireAuth,
    params: s.CompanyParams,
    query: PageQuery,
    response: pageOf(s.WebhookEvent),
    handler: ({ principal, params, query }) => contracts.listEvents(principal, params.companyId, query),
  });
  api.route({
    method: "post",
    path: "/api/v1/companies/{companyId}/signature-events/{eventId}/replay",
    tags,
    summary: "Process a stored webhook event again (idempotent)",
    access: requireAuth,
    params: s.EventParams,
    response: s.WebhookEvent,
    status: 200,
    handler: ({ principal, audit, params }) => contracts.replay(principal, audit, params.companyId, params.eventId),
  });

  // provider webhooks: verified on the raw bytes, so plain routes
  api.router.post("/api/v1/esign/webhooks/docusign", async (req: Request, res) => {
    const raw = (req as { rawBody?: Buffer }).rawBody;
    const event = parseDocusign(keyOf(keys.docusignHmacKey, "DocuSign"), raw, [req.get("x-docusign-signature-1"), req.get("x-docusign-signature-2")]);
    const result = await contracts.receiveWebhook(event);
    res.status(200).json(result);
  });
  api.router.post("/api/v1/esign/webhooks/dropbox-sign", express.raw({ type: "multipart/form-data", limit: "1mb" }), async (req: Request, res) => {
    const contentType = req.get("content-type") ?? "";
    const raw = Buffer.isBuffer(req.body) ? req.body : ((req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0));
    const event = await parseDropboxSign(keyOf(keys.dropboxSignApiKey, "Dropbox Sign"), contentType, raw);
    if (!event.test) await contracts.receiveWebhook(event);
    // the answer Dropbox Sign expects, or it retries
    res.status(200).type("text/plain").send("Hello API Event Received");
  });
  for (const [provider, path, body] of [
    ["DocuSign Connect (JSON, HMAC in X-DocuSign-Signature-1)", "/api/v1/esign/webhooks/docusign", "application/json"],
    ["Dropbox Sign (multipart `json` field, event_hash HMAC)", "/api/v1/esign/webhooks/dropbox-sign", "multipart/form-data"],
  ] as const) {
    api.registry.registerPath({
      method: "post",
      path,
      tags,
      summary: `E-signature status from ${provider}`,
      description:
        "Verified by HMAC before it is read; stored once per event and applied from the job queue (answer: received, duplicate or unknown_envelope); a retry is answered 200 and changes nothing. Access: the provider (HMAC).",
      security: [],
      request: { body: { required: true, content: { [body]: { schema: z.object({}).passthrough() } } } },
      responses: { 200: { description: "received" }, 401: problem("invalid_webhook_signature") },
    });
  }
}
