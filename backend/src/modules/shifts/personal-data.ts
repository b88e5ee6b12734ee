import { declarePersonalData } from "../../security/personal-data.js";

export const shiftsPersonalData = declarePersonalData("shifts", {
  tables: [
    {
      table: "shift_signups",
      columns: { checked_in_by: "link" },
      // the published directory, not staff's tables
      rows: (q, s) => q.whereRaw("member_id in (select id from staff_member_directory where user_id = ?)", [s.userId]).orWhere("checked_in_by", s.userId),
      erase: { kind: "hold", reason: "hours worked (employment and volunteering records)", retention: "the end of the next tax year", set: {} },
    },
  ],
});
