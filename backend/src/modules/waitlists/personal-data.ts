import { declarePersonalData } from "../../security/personal-data.js";

export const waitlistsPersonalData = declarePersonalData("waitlists", {
  tables: [
    {
      table: "waitlist_entries",
      columns: { email: "contact", user_id: "link" },
      rows: (q, s) => q.where("user_id", s.userId).orWhereRaw("lower(email::text) = any(?)", [s.emails]),
      erase: { kind: "delete" },
      omit: ["confirmation_token_hash"],
    },
  ],
});
