import { createHmac, timingSafeEqual } from "node:crypto";
import { HttpError } from "../../http/errors.js";

/**
 * E-signature providers' webhooks, reduced to what the contracts need: which envelope, what
 * happened, a key that is the same on every retry of one event. Verified by HMAC on the raw
 * body (DocuSign Connect) or on the event (Dropbox Sign) before anything is read from it.
 */
export type SignatureOutcome = "signed" | "declined" | "voided" | "ignored";

export interface SignatureEvent {
  provider: "docusign" | "dropbox_sign";
  envelopeId: string;
  eventType: string;
  eventKey: string;
  outcome: SignatureOutcome;
  payload: unknown;
}

function badSignature(): HttpError {
  return new HttpError(401, "invalid_webhook_signature", "the webhook's HMAC does not match: not from the provider, or altered on the way");
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** HMAC-SHA256 of the raw body with the Connect key, base64, in X-DocuSign-Signature-1 (or -2 during a key rotation). */
export function docusignSignature(key: string, rawBody: Buffer): string {
  return createHmac("sha256", key).update(rawBody).digest("base64");
}

const DOCUSIGN_OUTCOMES: Record<string, SignatureOutcome> = {
  "envelope-completed": "signed",
  "envelope-declined": "declined",
  "envelope-voided": "voided",
};

export function parseDocusign(key: string, rawBody: Buffer | undefined, signatures: Array<string | undefined>): SignatureEvent {
  if (!rawBody) throw badSignature();
  const expected = docusignSignature(key, rawBody);
  if (!signatures.some((s) => s && equalText(s, expected))) throw badSignature();
  let body: { event?: unknown; generatedDateTime?: unknown; data?: { envelopeId?: unknown } };
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw new HttpError(400, "malformed_json", "request body is not valid JSON");
  }
  const envelopeId = body.data?.envelopeId;
  const event = body.event;
  if (typeof envelopeId !== "string" || typeof event !== "string")
    throw new HttpError(400, "invalid_input", "not a DocuSign Connect event", [{ field: "body.data.envelopeId", message: "required" }]);
  return {
    provider: "docusign",
    envelopeId,
    eventType: event,
    // Connect's retries carry the same event and generatedDateTime (retryCount changes)
    eventKey: `${envelopeId}:${event}:${String(body.generatedDateTime ?? "")}`,
    outcome: DOCUSIGN_OUTCOMES[event] ?? "ignored",
    payload: body,
  };
}

/** Dropbox Sign's event_hash: HMAC-SHA256 (hex) of event_time + event_type with the account's API key. */
export function dropboxSignEventHash(apiKey: string, eventTime: string, eventType: string): string {
  return createHmac("sha256", apiKey)
    .update(eventTime + eventType)
    .digest("hex");
}

const DROPBOX_OUTCOMES: Record<string, SignatureOutcome> = {
  signature_request_all_signed: "signed",
  signature_request_declined: "declined",
  signature_request_canceled: "voided",
};

/** Dropbox Sign posts multipart/form-data with the event as JSON in the `json` field (or, from a relay, a JSON body). */
export async function parseDropboxSign(apiKey: string, contentType: string, rawBody: Buffer): Promise<SignatureEvent & { test: boolean }> {
  let text: string | undefined;
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(rawBody), { headers: { "content-type": contentType } }).formData().catch(() => undefined);
    const field = form?.get("json");
    text = typeof field === "string" ? field : undefined;
  } else text = rawBody.toString("utf8");
  let body: { event?: { event_time?: unknown; event_type?: unknown; event_hash?: unknown }; signature_request?: { signature_request_id?: unknown } };
  try {
    body = JSON.parse(text ?? "");
  } catch {
    throw new HttpError(400, "invalid_input", "not a Dropbox Sign event", [{ field: "body.json", message: "a JSON event is required" }]);
  }
  const { event_time: time, event_type: type, event_hash: hash } = body.event ?? {};
  if (typeof time !== "string" || typeof type !== "string" || typeof hash !== "string") throw badSignature();
  if (!equalText(hash, dropboxSignEventHash(apiKey, time, type))) throw badSignature();
  const envelopeId = body.signature_request?.signature_request_id;
  if (type === "callback_test")
    return { provider: "dropbox_sign", envelopeId: "", eventType: type, eventKey: "", outcome: "ignored", payload: body, test: true };
  if (typeof envelopeId !== "string")
    throw new HttpError(400, "invalid_input", "not a signature request event", [{ field: "body.signature_request.signature_request_id", message: "required" }]);
  return {
    provider: "dropbox_sign",
    envelopeId,
    eventType: type,
    eventKey: `${envelopeId}:${type}:${time}`,
    outcome: DROPBOX_OUTCOMES[type] ?? "ignored",
    payload: body,
    test: false,
  };
}
