import { declarePersonalData } from "../../security/personal-data.js";

export const mailPersonalData = declarePersonalData("mail", {
  tables: [
    {
      table: "outbound_emails",
      columns: { to_address: "contact", body: "free_text" },
      rows: (q, s) => q.whereRaw("lower(to_address::text) = any(?)", [s.emails]),
      erase: { kind: "delete" },
      // mails to others may name the person (an invitation from them)
      scrub: ["subject", "body", "data"],
      omit: ["data"],
    },
  ],
});
