import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";

/**
 * A local stand-in for the two providers' send endpoints (no internet here). It answers only
 * requests in the shape the providers' public API references document, and keeps each one:
 * - DocuSign eSignature REST v2.1, Envelopes: create: POST /restapi/v2.1/accounts/{accountId}/envelopes,
 *   Authorization: Bearer <token>, JSON { emailSubject, documents[{ documentBase64, documentId, name }],
 *   recipients.signers[{ email, name, recipientId }], status: "sent" } -> 201 { envelopeId, status, statusDateTime, uri };
 * - Dropbox Sign v3: POST /v3/signature_request/send, Basic <api key>:, multipart with files[0],
 *   signers[0][name], signers[0][email_address] -> 200 { signature_request: { signature_request_id, ... } }.
 * Anything else: the provider's error answer (400 / 401 / 404).
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  json?: Record<string, unknown>;
  form?: Map<string, string | { name: string; type: string; bytes: Buffer }>;
}

export interface EsignServer {
  url: string;
  accountId: string;
  accessToken: string;
  apiKey: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
const docusignShapeError = (b: Json): string | undefined => {
  const docs = b.documents as Json[] | undefined;
  const signers = (b.recipients as { signers?: Json[] } | undefined)?.signers;
  if (typeof b.emailSubject !== "string" || !b.emailSubject) return "emailSubject";
  if (!Array.isArray(docs) || docs.length === 0) return "documents";
  for (const d of docs) if (typeof d.documentBase64 !== "string" || typeof d.documentId !== "string" || typeof d.name !== "string") return "documents[]";
  if (!Array.isArray(signers) || signers.length === 0) return "recipients.signers";
  for (const s of signers) if (typeof s.email !== "string" || typeof s.name !== "string" || typeof s.recipientId !== "string") return "signers[]";
  if (b.status !== "sent" && b.status !== "created") return "status";
  return undefined;
};

export async function startEsignServer(): Promise<EsignServer> {
  const accountId = randomUUID();
  const accessToken = `eyJ0eXAi.${randomBytes(16).toString("hex")}`;
  const apiKey = randomBytes(32).toString("hex");
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      const record: RecordedRequest = { method: req.method ?? "", path: req.url ?? "", headers: req.headers };
      requests.push(record);
      if (req.method === "POST" && req.url === `/restapi/v2.1/accounts/${accountId}/envelopes`) {
        if (req.headers.authorization !== `Bearer ${accessToken}`) return answer(401, { errorCode: "AUTHORIZATION_INVALID_TOKEN", message: "invalid token" });
        if (!String(req.headers["content-type"]).startsWith("application/json")) return answer(415, { errorCode: "INVALID_CONTENT_TYPE" });
        try {
          record.json = JSON.parse(body.toString("utf8")) as Json;
        } catch {
          return answer(400, { errorCode: "INVALID_REQUEST_BODY", message: "not JSON" });
        }
        const wrong = docusignShapeError(record.json);
        if (wrong) return answer(400, { errorCode: "INVALID_REQUEST_BODY", message: `bad ${wrong}` });
        const envelopeId = randomUUID();
        return answer(201, { envelopeId, status: record.json.status, statusDateTime: new Date().toISOString(), uri: `/envelopes/${envelopeId}` });
      }
      if (req.method === "POST" && req.url === "/v3/signature_request/send") {
        if (req.headers.authorization !== `Basic ${Buffer.from(`${apiKey}:`).toString("base64")}`)
          return answer(401, { error: { error_msg: "Unauthorized api key", error_name: "unauthorized" } });
        const form = await new Response(new Uint8Array(body), { headers: { "content-type": String(req.headers["content-type"]) } })
          .formData()
          .catch(() => undefined);
        if (!form) return answer(400, { error: { error_msg: "multipart/form-data expected", error_name: "bad_request" } });
        record.form = new Map();
        for (const [key, value] of form.entries()) {
          record.form.set(key, typeof value === "string" ? value : { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
        }
        if (
          !record.form.has("files[0]") ||
          typeof record.form.get("signers[0][email_address]") !== "string" ||
          typeof record.form.get("signers[0][name]") !== "string"
        )
          return answer(400, { error: { error_msg: "files[0] and signers[0] are required", error_name: "bad_request" } });
        const id = randomBytes(20).toString("hex");
        return answer(200, {
          signature_request: {
            signature_request_id: id,
            title: record.form.get("title"),
            test_mode: record.form.get("test_mode") === "1",
            signatures: [{ signer_email_address: record.form.get("signers[0][email_address]"), status_code: "awaiting_signature" }],
          },
        });
      }
      return answer(404, { errorCode: "NOT_FOUND" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, accountId, accessToken, apiKey, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The configuration that points both adapters at `s`. */
export function esignEnv(s: EsignServer): Record<string, string> {
  return {
    ESIGN_DOCUSIGN_BASE_URL: `${s.url}/restapi`,
    ESIGN_DOCUSIGN_ACCOUNT_ID: s.accountId,
    ESIGN_DOCUSIGN_ACCESS_TOKEN: s.accessToken,
    ESIGN_DROPBOX_SIGN_BASE_URL: s.url,
    ESIGN_DROPBOX_SIGN_API_KEY: s.apiKey,
  };
}
