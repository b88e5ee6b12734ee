import type { Knex } from "knex";
import type { ModelClass } from "objection";
import type { z } from "zod";
import { newId } from "../../../../lib/ids.js";
import type { PlatformRole, Principal } from "../../http/auth.js";
import type { AuditContext } from "../../http/audit-context.js";
import { HttpError } from "../../http/errors.js";
import { DataBox, maskTail } from "../../security/encryption.js";
import { recordAudit } from "../audit/service.js";
import {
  ArtistProfile,
  ContentCreatorProfile,
  FanProfile,
  OrganizerProfile,
  RoleProfile,
  SponsorProfile,
  type RoleProfileColumns,
  type VerificationStatus,
} from "./models.js";
import { addRole } from "./roles.js";
import type { ProfileBodies, ProfileKind } from "./schemas.js";

type Kind = z.output<typeof ProfileKind>;
type Bodies = { [K in Kind]: z.output<(typeof ProfileBodies)[K]> };
/** The validated body of any kind's PUT (the route passes the one its path names). */
export type ProfileInput = Bodies[Kind];

const PROFILES: Record<Kind, { model: ModelClass<RoleProfile>; role: PlatformRole; entityType: string }> = {
  organizer: { model: OrganizerProfile, role: "organizer", entityType: "organizer_profile" },
  artist: { model: ArtistProfile, role: "artist", entityType: "artist_profile" },
  "content-creator": { model: ContentCreatorProfile, role: "content_creator", entityType: "content_creator_profile" },
  sponsor: { model: SponsorProfile, role: "sponsor", entityType: "sponsor_profile" },
  fan: { model: FanProfile, role: "fan", entityType: "fan_profile" },
};
const TAX_ID = "organizer_profiles.tax_id";
const BANK = "organizer_profiles.bank_details";
const REVIEW_AGAIN = { verification_status: "pending", verified_at: null, verified_by: null } as const;

/**
 * Role profiles (organizer, artist, content creator, sponsor, fan): one per kind and user.
 * Creating one grants the matching platform role; `onRolesChanged` lets the sessions that
 * cached the old roles go (app.ts passes the auth module's forgetUser).
 */
export class ProfileService {
  constructor(
    private readonly db: Knex,
    private readonly box: DataBox,
    private readonly onRolesChanged: (userId: string) => void,
  ) {}

  private toDto(kind: Kind, row: RoleProfile) {
    const common = { kind, id: row.id, userId: row.user_id, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() };
    if (row instanceof OrganizerProfile)
      return {
        ...common,
        companyName: row.company_name,
        website: row.website,
        verificationStatus: row.verification_status,
        verifiedAt: row.verified_at?.toISOString() ?? null,
        verifiedBy: row.verified_by,
        taxIdLast4: row.tax_id_encrypted ? maskTail(this.box.decrypt(row.tax_id_encrypted, TAX_ID)) : null,
        hasBankDetails: Boolean(row.bank_details_encrypted),
      };
    if (row instanceof ArtistProfile) return { ...common, stageName: row.stage_name, genres: row.genres, bio: row.bio, website: row.website };
    if (row instanceof ContentCreatorProfile) return { ...common, channelName: row.channel_name, platforms: row.platforms, website: row.website };
    if (row instanceof SponsorProfile) return { ...common, brandName: row.brand_name, website: row.website };
    if (!(row instanceof FanProfile)) throw new Error(`not a role profile: ${row.constructor.name}`);
    return { ...common, favouriteGenres: row.favourite_genres, loyaltyPoints: row.loyalty_points, loyaltyTier: row.loyalty_tier };
  }

  async get(userId: string, kind: Kind) {
    const row = await PROFILES[kind].model.query(this.db).where({ user_id: userId }).first();
    if (!row) throw new HttpError(404, "profile_not_found", `no ${kind} profile`);
    return this.toDto(kind, row);
  }

  /** Creates or replaces the caller's profile of one kind; creating it grants the matching platform role. */
  async upsert(principal: Principal, ctx: AuditContext, kind: Kind, input: ProfileInput) {
    const { model, role, entityType } = PROFILES[kind];
    const columns = this.columns(input);
    const result = await this.db.transaction(async (trx) => {
      const before = await model.query(trx).where({ user_id: principal.userId }).forUpdate().first();
      let after: RoleProfile;
      if (before) {
        const review = before instanceof OrganizerProfile && this.changesVerifiedIdentity(before, input) ? REVIEW_AGAIN : {};
        after = await model
          .query(trx)
          .findById(before.id)
          .patch({ ...columns, ...review, updated_by: principal.userId })
          .returning("*")
          .castTo<RoleProfile>();
      } else {
        after = await model
          .query(trx)
          .insert({ id: newId(), user_id: principal.userId, ...columns, created_by: principal.userId, updated_by: principal.userId })
          .returning("*");
        await addRole(trx, principal.userId, role, principal.userId);
      }
      await recordAudit(trx, ctx, {
        action: before ? "profile.updated" : "profile.created",
        entityType,
        entityId: after.id,
        before: before ?? null,
        after,
      });
      return this.toDto(kind, after);
    });
    this.onRolesChanged(principal.userId);
    return result;
  }

  /** A verified organizer who changes the company or tax id they were verified as goes back to review. */
  private changesVerifiedIdentity(before: OrganizerProfile, input: ProfileInput): boolean {
    if (before.verification_status !== "verified" || !("companyName" in input)) return false;
    if (input.companyName !== before.company_name) return true;
    if (input.taxId === undefined) return false;
    return !before.tax_id_encrypted || this.box.decrypt(before.tax_id_encrypted, TAX_ID) !== input.taxId;
  }

  /** The columns a body writes: each kind's body has a field no other kind's has. */
  private columns(input: ProfileInput): RoleProfileColumns {
    if ("companyName" in input)
      return {
        company_name: input.companyName,
        website: input.website ?? null,
        ...(input.taxId !== undefined ? { tax_id_encrypted: this.box.encrypt(input.taxId, TAX_ID) } : {}),
        ...(input.bankDetails !== undefined ? { bank_details_encrypted: this.box.encrypt(input.bankDetails, BANK) } : {}),
      };
    if ("stageName" in input) return { stage_name: input.stageName, genres: input.genres, bio: input.bio ?? null, website: input.website ?? null };
    if ("channelName" in input) return { channel_name: input.channelName, platforms: input.platforms, website: input.website ?? null };
    if ("brandName" in input) return { brand_name: input.brandName, website: input.website ?? null };
    return { favourite_genres: input.favouriteGenres };
  }

  /** Platform admins (profiles.verify, or the admin CLI) verify or reject an organizer; ctx names who. */
  async verifyOrganizer(ctx: AuditContext, userId: string, status: Exclude<VerificationStatus, "unverified">) {
    return this.db.transaction(async (trx) => {
      const before = await OrganizerProfile.query(trx).where({ user_id: userId }).forUpdate().first();
      if (!before) throw new HttpError(404, "profile_not_found", "no organizer profile");
      const after = await OrganizerProfile.query(trx)
        .findById(before.id)
        .patch({
          verification_status: status,
          verified_at: status === "verified" ? trx.fn.now() : null,
          verified_by: status === "verified" ? ctx.actorUserId : null,
          updated_by: ctx.actorUserId,
        })
        .returning("*")
        .castTo<OrganizerProfile>();
      await recordAudit(trx, ctx, { action: "organizer_profile.verification_changed", entityType: "organizer_profile", entityId: before.id, before, after });
      return this.toDto("organizer", after);
    });
  }
}

/** The user whose role profile of `kind` has id `profileId`, or null (attributions name contributors by profile). */
export async function profileOwner(db: Knex, kind: "artist" | "content-creator" | "sponsor", profileId: string): Promise<string | null> {
  const row = await PROFILES[kind].model.query(db).findById(profileId).select("user_id");
  return row?.user_id ?? null;
}
