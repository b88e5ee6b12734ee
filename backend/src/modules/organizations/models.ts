import { AuditedModel, SoftDeletableModel } from "../audit/audited-model.js";

export type OrganizationRole = "owner" | "admin" | "member";

export const ORGANIZATION_ROLES: readonly OrganizationRole[] = ["owner", "admin", "member"];

export function isOrganizationRole(value: unknown): value is OrganizationRole {
  return ORGANIZATION_ROLES.some((role) => role === value);
}

export class Organization extends SoftDeletableModel {
  static override tableName = "organizations";
  declare name: string;
  declare slug: string;
  declare legal_name: string | null;
  declare tax_id_encrypted: Buffer | null;
  declare bank_details_encrypted: Buffer | null;
  declare website: string | null;
}

export class OrganizationMember extends AuditedModel {
  static override tableName = "organization_members";
  declare organization_id: string;
  declare user_id: string;
  declare role: OrganizationRole;
}
