import { declarePersonalData } from "../../security/personal-data.js";

export const vendorsPersonalData = declarePersonalData("vendors", {
  tables: [
    { table: "vendor_staff", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "vendor_order_events",
      columns: { actor_user_id: "link" },
      rows: (q, s) => q.where("actor_user_id", s.userId),
      erase: {
        kind: "hold",
        reason: "an order's history is part of the sale's records (7-year financial retention)",
        retention: "7 years",
        set: { actor_user_id: null },
      },
    },
  ],
});
