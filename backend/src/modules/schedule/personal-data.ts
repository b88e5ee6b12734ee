import { declarePersonalData } from "../../security/personal-data.js";

export const schedulePersonalData = declarePersonalData("schedule", {
  tables: [
    { table: "engagements", columns: { notes: "none" }, note: "an organizer's booking notes about a slot, not about a person" },
    {
      table: "schedule_versions",
      columns: { notes: "none", published_by: "link" },
      note: "published schedules are immutable; published_by is a user id whose users row is anonymized on erasure",
    },
  ],
});
