import { Model } from "objection";
import { AuditedModel } from "../audit/audited-model.js";

/** An organization's subscription: where to deliver which event types, signed with its secret. */
export class WebhookEndpoint extends AuditedModel {
  static override tableName = "webhook_endpoints";
  declare organization_id: string;
  declare url: string;
  declare description: string;
  declare event_types: string[];
  /** DataBox ciphertext of the `whsec_` secret (context "webhook_endpoints.secret"). */
  declare secret_encrypted: Buffer;
  declare previous_secret_encrypted: Buffer | null;
  declare previous_secret_expires_at: Date | null;
  declare disabled_at: Date | null;
  declare disabled_reason: string | null;
  declare failing_since: Date | null;
}

/** One thing that happened, published once; its id is the `webhook-id` of every attempt. */
export class WebhookMessage extends Model {
  static override tableName = "webhook_messages";
  declare id: string;
  declare organization_id: string;
  declare event_type: string;
  declare payload: Record<string, unknown>;
  declare source_key: string;
  declare created_at: Date;
}

export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** A message on its way to one endpoint. */
export class WebhookDelivery extends Model {
  static override tableName = "webhook_deliveries";
  declare id: string;
  declare message_id: string;
  declare endpoint_id: string;
  declare status: DeliveryStatus;
  declare attempts: number;
  declare next_attempt_at: Date | null;
  declare last_response_status: number | null;
  declare last_error: string | null;
  declare succeeded_at: Date | null;
  declare created_at: Date;
  declare updated_at: Date;
}

/** One HTTP attempt of a delivery (the delivery log). */
export class WebhookAttempt extends Model {
  static override tableName = "webhook_attempts";
  declare id: string;
  declare delivery_id: string;
  declare attempt: number;
  declare started_at: Date;
  declare duration_ms: number;
  declare response_status: number | null;
  declare response_excerpt: string | null;
  declare error: string | null;
  declare created_at: Date;
}

export const SECRET_CONTEXT = "webhook_endpoints.secret";
