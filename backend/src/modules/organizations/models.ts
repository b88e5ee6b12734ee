import { Model } from "objection";

export type OrganizationRole = "owner" | "admin" | "member";

export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ["owner", "admin", "member"];

export function isOrganizationRole(value: unknown): value is OrganizationRole {
  return ORGANIZATION_ROLES.some((role) => role === value);
}

export class Organization extends Model {
  static override tableName = "organizations";
  static override idColumn = "id";
  declare id: string;
  declare name: string;
  declare slug: string;
  declare legal_name: string | null;
  declare tax_id_encrypted: Buffer | null;
  declare bank_details_encrypted: Buffer | null;
  declare website: string | null;
  declare created_at: Date;
  declare updated_at: Date;
  declare created_by: string | null;
  declare updated_by: string | null;
  declare deleted_at: Date | null;
}

export class OrganizationMember extends Model {
  static override tableName = "organization_members";
  static override idColumn = "id";
  declare id: string;
  declare organization_id: string;
  declare user_id: string;
  declare role: OrganizationRole;
  declare created_at: Date;
  declare updated_at: Date;
  declare created_by: string | null;
  declare updated_by: string | null;
}
