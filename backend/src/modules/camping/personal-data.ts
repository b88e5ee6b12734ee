import { declarePersonalData } from "../../security/personal-data.js";

export const campingPersonalData = declarePersonalData("camping", {
  tables: [
    {
      table: "camping_bookings",
      columns: { user_id: "link", checked_in_by: "link" },
      rows: (q, s) => q.where("user_id", s.userId).orWhere("checked_in_by", s.userId),
      erase: { kind: "hold", reason: "a booking is part of a ticket purchase (7-year financial retention)", retention: "7 years", set: {} },
    },
  ],
});
