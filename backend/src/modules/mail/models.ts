import { Model } from "objection";

export type EmailTemplate =
  "verify_email" | "reset_password" | "festival_invitation" | "account_exists" | "waitlist_confirmation" | "webhook_endpoint_disabled" | "marketing";

/** A queued mail (with the clear token its recipient needs); sent_at is set once it is delivered. */
export class OutboundEmail extends Model {
  static override tableName = "outbound_emails";
  static override idColumn = "id";
  static override jsonAttributes = ["data"];
  declare id: string;
  declare to_address: string;
  declare template: EmailTemplate;
  declare subject: string;
  declare body: string;
  /** What the mail's action needs: a token, or a ready link. */
  declare data: { token?: string; link?: string } & Record<string, unknown>;
  declare created_at: Date;
  declare sent_at: Date | null;
}
