import { declarePersonalData } from "../../security/personal-data.js";

export const artistsPersonalData = declarePersonalData("artists", {
  tables: [
    {
      table: "artists",
      columns: { user_id: "link", bio: "free_text" },
      rows: (q, s) => q.where("user_id", s.userId),
      // the act stays on the festival's line-up under its billing name; the person behind it is unlinked
      erase: { kind: "replace", set: { user_id: null, bio: null } },
      scrub: ["name", "bio", "links"],
    },
  ],
});
