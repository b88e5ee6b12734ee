import { declarePersonalData } from "../../security/personal-data.js";

const MEMBERS = "select id from staff_members where user_id = ?";

export const staffPersonalData = declarePersonalData("staff", {
  tables: [
    {
      table: "staff_member_qualifications",
      columns: {},
      rows: (q, s) => q.whereRaw(`member_id in (${MEMBERS})`, [s.userId]),
      erase: { kind: "delete" },
    },
    {
      table: "staff_members",
      columns: { user_id: "link" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: {
        kind: "hold",
        reason: "who worked which shifts is an employment and volunteering record (labour law retention); kept as a removed member without the badge",
        retention: "the end of the next tax year",
        set: { status: "removed", badge_number: (_trx: unknown, s: { userId: string }) => `erased-${s.userId.slice(-12)}` },
      },
    },
  ],
});
