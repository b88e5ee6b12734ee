import { declarePersonalData } from "../../security/personal-data.js";

export const organizationsPersonalData = declarePersonalData("organizations", {
  tables: [
    { table: "organization_members", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "organizations",
      columns: { legal_name: "none", tax_id_encrypted: "none", bank_details_encrypted: "none" },
      note: "a company's legal name, tax id and bank details: the organization's, not a person's",
    },
  ],
});
