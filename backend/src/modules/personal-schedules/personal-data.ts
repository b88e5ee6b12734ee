import { declarePersonalData } from "../../security/personal-data.js";

export const personalSchedulesPersonalData = declarePersonalData("personal-schedules", {
  tables: [
    {
      table: "personal_schedule_entries",
      columns: {},
      rows: (q, s) => q.whereRaw("personal_schedule_id in (select id from personal_schedules where user_id = ?)", [s.userId]),
      erase: { kind: "delete" },
    },
    { table: "personal_schedules", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
  ],
});
