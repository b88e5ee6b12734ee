import { declarePersonalData } from "../../security/personal-data.js";

export const attributionsPersonalData = declarePersonalData("attributions", {
  tables: [
    {
      table: "attributions",
      columns: { contributor_user_id: "link", contributor_address: "wallet", payout_address: "wallet", note: "free_text", decided_by: "link" },
      rows: (q, s) => q.where("contributor_user_id", s.userId).orWhereIn("contributor_address", s.addresses).orWhereIn("payout_address", s.addresses),
      erase: {
        kind: "hold",
        reason: "a revenue-share agreement is a signed contract (7-year retention); kept with its free-text note removed",
        retention: "7 years",
        set: { note: null },
      },
      scrub: ["note"],
    },
    {
      table: "referral_links",
      columns: { user_id: "link", referrer_address: "wallet" },
      rows: (q, s) => q.where("user_id", s.userId),
      // the on-chain referral credits stay (public); this is the off-chain link from the person to their referrer address
      erase: { kind: "delete" },
    },
  ],
});
