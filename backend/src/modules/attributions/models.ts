import { AuditedModel } from "../audit/audited-model.js";

export type ContributorKind = "artist" | "content_creator" | "sponsor" | "address";
export type ContributionType = "performance" | "promotion" | "sponsorship" | "production" | "other";
export type AttributionStatus = "proposed" | "accepted" | "rejected" | "withdrawn";

/**
 * An organizer's proposal that a contributor gets a share (bps) or a fixed amount of an event contract's revenue
 * (migration 650: the database holds the 100 % rule, the status machine's shape and the value checks).
 * numeric columns (fixed_amount) come back from pg as strings.
 */
export class Attribution extends AuditedModel {
  static override tableName = "attributions";
  declare event_contract_id: string | null;
  declare edition_id: string | null;
  declare festival_id: string;
  declare contributor_kind: ContributorKind;
  declare contributor_profile_id: string | null;
  declare contributor_user_id: string | null;
  declare contributor_address: string | null;
  declare payout_address: string | null;
  declare contribution_type: ContributionType;
  declare share_bps: number | null;
  declare fixed_amount: string | null;
  declare fixed_currency: string | null;
  declare platform_fee_bps: number;
  declare note: string | null;
  declare status: AttributionStatus;
  declare decided_at: Date | null;
  declare decided_by: string | null;
}

/** One referral code per (event contract, referrer user); it resolves to the referrer's address. */
export class ReferralLink extends AuditedModel {
  static override tableName = "referral_links";
  declare event_contract_id: string;
  declare user_id: string;
  declare referrer_address: string;
  declare code: string;
}
