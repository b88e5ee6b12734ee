import { declarePersonalData } from "../../security/personal-data.js";

/** The person's artist records in every company (an artist works for several). */
export const ARTISTS_OF = "select id from company_artists where user_id = ?";

export const organizationsPersonalData = declarePersonalData("organizations", {
  tables: [
    { table: "organization_members", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    { table: "company_roles", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "company_artists",
      columns: {
        user_id: "link",
        stage_name: "name",
        tax_id_country: "financial",
        tax_id_encrypted: "financial",
        tax_id_sha256: "financial",
        bank_account_encrypted: "financial",
        bank_bic: "financial",
      },
      rows: (q, s) => q.where("user_id", s.userId),
      // contracts and paid expenses point at the artist record; the tax id stays (encrypted) for the tax authorities, the bank account goes
      erase: {
        kind: "hold",
        reason: "the payee of contracts and expenses paid (7-year financial retention: the tax id stays encrypted)",
        retention: "7 years",
        set: { stage_name: "[erased]", bank_account_encrypted: null, bank_bic: null },
      },
      omit: ["tax_id_encrypted", "tax_id_sha256", "bank_account_encrypted"],
    },
    {
      table: "organizations",
      columns: { legal_name: "none", tax_id_encrypted: "none", bank_details_encrypted: "none" },
      note: "a company's legal name, tax id and bank details: the organization's, not a person's",
    },
  ],
});
