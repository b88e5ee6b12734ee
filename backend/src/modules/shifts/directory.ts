import type { Knex } from "knex";

/**
 * What the shifts module reads about staff, through the views the staff module publishes
 * (migration 620): a member with its role's lead flag, a role's prerequisites and the
 * qualifications a member holds. Never the staff tables themselves.
 */
export interface MemberEntry {
  id: string;
  edition_id: string;
  user_id: string;
  role_id: string;
  department_id: string;
  badge_number: string;
  status: "active" | "removed";
  is_lead: boolean;
}

export function activeMemberOfUser(db: Knex | Knex.Transaction, editionId: string, userId: string): Promise<MemberEntry | undefined> {
  return db("staff_member_directory").where({ edition_id: editionId, user_id: userId, status: "active" }).first<MemberEntry | undefined>();
}

export function memberById(db: Knex | Knex.Transaction, memberId: string): Promise<MemberEntry | undefined> {
  return db("staff_member_directory").where({ id: memberId }).first<MemberEntry | undefined>();
}

export function membersById(db: Knex | Knex.Transaction, memberIds: string[]): Promise<MemberEntry[]> {
  return db("staff_member_directory").whereIn("id", memberIds);
}

/** The role's prerequisites the member does not hold, or holds only until before `until` (the shift's end). */
export async function missingPrerequisites(
  db: Knex | Knex.Transaction,
  memberId: string,
  roleId: string,
  until: Date,
): Promise<Array<{ code: string; name: string }>> {
  const { rows } = await db.raw<{ rows: Array<{ code: string; name: string }> }>(
    `select p.code, p.name from staff_role_prerequisites p
      where p.role_id = ?
        and not exists (select 1 from staff_member_qualification_holdings h
                         where h.member_id = ? and h.qualification_type_id = p.qualification_type_id
                           and (h.valid_until is null or h.valid_until >= ?))
      order by p.code`,
    [roleId, memberId, until],
  );
  return rows;
}

/**
 * The same rule as a condition on a shift row aliased `s`, for the eligible-shifts list:
 * every prerequisite of the shift's role held by member ? until the shift ends.
 */
export const HOLDS_PREREQUISITES_SQL = `not exists (
  select 1 from staff_role_prerequisites p
   where p.role_id = s.role_id
     and not exists (select 1 from staff_member_qualification_holdings h
                      where h.member_id = ? and h.qualification_type_id = p.qualification_type_id
                        and (h.valid_until is null or h.valid_until >= s.ends_at)))`;
