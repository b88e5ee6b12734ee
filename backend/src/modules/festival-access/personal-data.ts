import { declarePersonalData } from "../../security/personal-data.js";

export const festivalAccessPersonalData = declarePersonalData("festival-access", {
  tables: [
    { table: "festival_permissions", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "festival_invitations",
      columns: { email: "contact", accepted_by: "link" },
      rows: (q, s) => q.where("accepted_by", s.userId).orWhereRaw("lower(email::text) = any(?)", [s.emails]),
      erase: { kind: "delete" },
      omit: ["token_hash"],
    },
  ],
});
