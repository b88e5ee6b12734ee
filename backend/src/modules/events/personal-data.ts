import { declarePersonalData } from "../../security/personal-data.js";

export const eventsPersonalData = declarePersonalData("events", {
  tables: [{ table: "event_tags", columns: { tag_id: "none" }, note: "tag_id is a festival's programme tag, not a wristband" }],
});
