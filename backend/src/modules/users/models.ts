import { Model, type PartialModelObject, type RelationMappings } from "objection";
import type { PermissionScope, PlatformRole } from "../../http/auth.js";
import { AuditedModel, SoftDeletableModel } from "../audit/audited-model.js";

export type Network = "evm" | "stellar";
export type UserStatus = "active" | "disabled";
export type VerificationStatus = "unverified" | "pending" | "verified" | "rejected";

export class User extends SoftDeletableModel {
  static override tableName = "users";
  declare email: string | null;
  declare email_verified_at: Date | null;
  declare display_name: string | null;
  declare avatar_url: string | null;
  declare bio: string | null;
  declare locale: string | null;
  declare timezone: string | null;
  declare status: UserStatus;
  declare last_sign_in_at: Date | null;
  declare wallets?: Wallet[];
  declare roles?: Role[];

  static override get relationMappings(): RelationMappings {
    return {
      wallets: { relation: Model.HasManyRelation, modelClass: Wallet, join: { from: "users.id", to: "wallets.user_id" } },
      roles: {
        relation: Model.ManyToManyRelation,
        modelClass: Role,
        join: { from: "users.id", through: { from: "user_roles.user_id", to: "user_roles.role_id" }, to: "roles.id" },
      },
    };
  }
}

export class Wallet extends AuditedModel {
  static override tableName = "wallets";
  declare user_id: string;
  declare network: Network;
  declare address: string;
  declare label: string | null;
  declare is_primary: boolean;
  declare verified_at: Date;
  declare user?: User;

  static override get relationMappings(): RelationMappings {
    return { user: { relation: Model.BelongsToOneRelation, modelClass: User, join: { from: "wallets.user_id", to: "users.id" } } };
  }
}

export class Role extends Model {
  static override tableName = "roles";
  static override idColumn = "id";
  declare id: string;
  declare name: PlatformRole;
  declare description: string;
  declare created_at: Date;
  declare updated_at: Date;
  declare permissions?: Permission[];

  static override get relationMappings(): RelationMappings {
    return {
      permissions: {
        relation: Model.ManyToManyRelation,
        modelClass: Permission,
        join: {
          from: "roles.id",
          through: { from: "role_permissions.role_id", to: "role_permissions.permission_id", extra: ["scope"] },
          to: "permissions.id",
        },
      },
    };
  }
}

export class Permission extends Model {
  static override tableName = "permissions";
  static override idColumn = "id";
  declare id: string;
  declare name: string;
  declare description: string;
  declare created_at: Date;
  /** the role's scope of this permission, when read through Role.permissions */
  declare scope?: PermissionScope;
}

/** Which permissions a role grants, and how widely (changes only by migration). */
export class RolePermission extends Model {
  static override tableName = "role_permissions";
  static override idColumn = "id";
  declare id: string;
  declare role_id: string;
  declare permission_id: string;
  declare scope: PermissionScope;
  declare created_at: Date;
  declare created_by: string | null;
}

export class UserRole extends Model {
  static override tableName = "user_roles";
  static override idColumn = "id";
  declare id: string;
  declare user_id: string;
  declare role_id: string;
  declare created_at: Date;
  declare created_by: string | null;
  declare role?: Role;

  static override get relationMappings(): RelationMappings {
    return { role: { relation: Model.BelongsToOneRelation, modelClass: Role, join: { from: "user_roles.role_id", to: "roles.id" } } };
  }
}

// ------------------------------------------------------------------------------ role profiles

/** The columns every role profile has (each kind is a subclass: `instanceof` tells which). */
export class RoleProfile extends AuditedModel {
  declare user_id: string;
}

export class OrganizerProfile extends RoleProfile {
  static override tableName = "organizer_profiles";
  declare company_name: string;
  declare website: string | null;
  /** AES-256-GCM (DataBox), never returned */
  declare tax_id_encrypted: Buffer | null;
  declare bank_details_encrypted: Buffer | null;
  declare verification_status: VerificationStatus;
  declare verified_at: Date | null;
  declare verified_by: string | null;
}

export class ArtistProfile extends RoleProfile {
  static override tableName = "artist_profiles";
  declare stage_name: string;
  declare genres: string[];
  declare bio: string | null;
  declare website: string | null;
}

export class ContentCreatorProfile extends RoleProfile {
  static override tableName = "content_creator_profiles";
  declare channel_name: string;
  declare platforms: string[];
  declare website: string | null;
}

export class SponsorProfile extends RoleProfile {
  static override tableName = "sponsor_profiles";
  declare brand_name: string;
  declare website: string | null;
}

export class FanProfile extends RoleProfile {
  static override tableName = "fan_profiles";
  declare favourite_genres: string[];
  declare loyalty_points: number;
  declare loyalty_tier: "bronze" | "silver" | "gold" | "platinum";
}

/** What a profile body writes: the columns of one kind. */
export type RoleProfileColumns =
  | PartialModelObject<OrganizerProfile>
  | PartialModelObject<ArtistProfile>
  | PartialModelObject<ContentCreatorProfile>
  | PartialModelObject<SponsorProfile>
  | PartialModelObject<FanProfile>;

// ------------------------------------------------------------------------------ DTOs

export function meDto(user: User, roles: readonly string[]) {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.email_verified_at !== null,
    displayName: user.display_name,
    avatarUrl: user.avatar_url,
    bio: user.bio,
    locale: user.locale,
    timezone: user.timezone,
    roles: [...roles],
  };
}

export function walletDto(wallet: Wallet) {
  return {
    id: wallet.id,
    network: wallet.network,
    address: wallet.address,
    label: wallet.label,
    isPrimary: wallet.is_primary,
    verifiedAt: wallet.verified_at.toISOString(),
  };
}
