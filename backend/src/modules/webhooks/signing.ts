import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";

/** A new endpoint secret in the Standard Webhooks format: `whsec_` + base64 of 24 random bytes. */
export function newSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/**
 * The three Standard Webhooks headers for one attempt. During a rotation's grace period the
 * previous secret signs too: `webhook-signature` carries both, space-separated, so a
 * receiver that still holds the old secret keeps verifying.
 */
export function signedHeaders(messageId: string, at: Date, body: string, secrets: string[]): Record<string, string> {
  const signatures = secrets.map((secret) => new Webhook(secret).sign(messageId, at, body));
  return {
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/** The spec's recommended retries (after the first attempt), stretched to about 75 hours as the platform promises. */
export const RETRY_DELAYS_MS = [5, 300, 1800, 7200, 18_000, 36_000, 36_000, 50_400, 50_400, 72_000].map((s) => s * 1000);

/** Retry-After (seconds or an HTTP date) is honoured up to this. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * When attempt number `attempts + 1` runs, counting from now: the schedule's delay with
 * +-10 % jitter (so endpoints that failed together do not retry together), or a later
 * Retry-After. Undefined once the schedule is exhausted.
 */
export function nextAttemptDelayMs(attempts: number, retryAfter?: string, random = Math.random): number | undefined {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return undefined;
  const jittered = Math.round(base * (0.9 + 0.2 * random()));
  const asked = retryAfterMs(retryAfter);
  return asked === undefined ? jittered : Math.max(jittered, Math.min(asked, MAX_RETRY_AFTER_MS));
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
