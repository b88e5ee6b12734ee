import { Model } from "objection";
import { AuditedModel } from "../audit/audited-model.js";

/** The staff module's tables (migration 620): departments, qualification types, roles and members of an edition. */
export class StaffDepartment extends AuditedModel {
  static override tableName = "staff_departments";
  declare edition_id: string;
  declare name: string;
  declare description: string | null;
}

export type QualificationKind = "certificate" | "training" | "licence";

export class StaffQualificationType extends AuditedModel {
  static override tableName = "staff_qualification_types";
  declare edition_id: string;
  declare code: string;
  declare name: string;
  declare kind: QualificationKind;
}

export class StaffRole extends AuditedModel {
  static override tableName = "staff_roles";
  declare edition_id: string;
  declare department_id: string | null;
  declare name: string;
  declare description: string | null;
  declare is_lead: boolean;
}

export type StaffMemberStatus = "active" | "removed";

export class StaffMember extends AuditedModel {
  static override tableName = "staff_members";
  declare edition_id: string;
  declare user_id: string;
  declare role_id: string;
  declare department_id: string;
  declare badge_number: string;
  declare status: StaffMemberStatus;
}

/** Keyed by (member, qualification type): the audited columns without an id of its own. */
export class StaffMemberQualification extends Model {
  static override tableName = "staff_member_qualifications";
  static override idColumn = ["member_id", "qualification_type_id"];
  declare created_at: Date;
  declare updated_at: Date;
  declare created_by: string | null;
  declare updated_by: string | null;
  declare member_id: string;
  declare qualification_type_id: string;
  declare edition_id: string;
  declare valid_until: Date | null;
}

export function departmentDto(r: StaffDepartment) {
  return { id: r.id, editionId: r.edition_id, name: r.name, description: r.description ?? null, createdAt: r.created_at.toISOString() };
}

export function qualificationTypeDto(r: StaffQualificationType) {
  return { id: r.id, editionId: r.edition_id, code: r.code, name: r.name, kind: r.kind, createdAt: r.created_at.toISOString() };
}

export function roleDto(r: StaffRole, prerequisites: string[]) {
  return {
    id: r.id,
    editionId: r.edition_id,
    departmentId: r.department_id ?? null,
    name: r.name,
    description: r.description ?? null,
    isLead: r.is_lead,
    prerequisites,
    createdAt: r.created_at.toISOString(),
  };
}

export function memberDto(r: StaffMember, qualifications: Array<{ qualificationTypeId: string; validUntil: string | null }> = []) {
  return {
    id: r.id,
    editionId: r.edition_id,
    userId: r.user_id,
    roleId: r.role_id,
    departmentId: r.department_id,
    badgeNumber: r.badge_number,
    status: r.status,
    qualifications,
    createdAt: r.created_at.toISOString(),
  };
}
