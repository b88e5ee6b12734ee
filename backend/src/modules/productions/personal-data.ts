import { declarePersonalData } from "../../security/personal-data.js";
import { ARTISTS_OF } from "../organizations/personal-data.js";

export const productionsPersonalData = declarePersonalData("productions", {
  tables: [
    {
      table: "production_attendance",
      columns: { checked_in_by: "link" },
      rows: (q, s) => q.whereRaw(`artist_id in (${ARTISTS_OF})`, [s.userId]).orWhere("checked_in_by", s.userId),
      // attendance is the evidence that a performance fee was earned
      erase: { kind: "hold", reason: "attendance proves a fee paid on performance (7-year financial retention)", retention: "7 years", set: {} },
    },
  ],
});
