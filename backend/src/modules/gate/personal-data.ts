import { declarePersonalData } from "../../security/personal-data.js";

const SECURITY =
  "entrance records of a ticket (security and capacity evidence); they hold the token's address only, whose link to the person (wallets) is deleted";

export const gatePersonalData = declarePersonalData("gate", {
  tables: [
    { table: "gate_scanners", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "gate_scans",
      columns: { holder_address: "wallet", scanner_user_id: "link" },
      rows: (q, s) => q.whereIn("holder_address", s.addresses).orWhere("scanner_user_id", s.userId),
      // append-only by design
      erase: { kind: "keep", reason: SECURITY },
    },
    {
      table: "gate_check_ins",
      columns: { holder_address: "wallet", scanner_user_id: "link" },
      rows: (q, s) => q.whereIn("holder_address", s.addresses).orWhere("scanner_user_id", s.userId),
      erase: { kind: "hold", reason: SECURITY, retention: "the edition's settlement", set: {} },
    },
    {
      table: "gate_offline_scans",
      columns: { holder_address: "wallet", uploaded_by: "link" },
      rows: (q, s) => q.whereIn("holder_address", s.addresses).orWhere("uploaded_by", s.userId),
      erase: { kind: "hold", reason: SECURITY, retention: "the edition's settlement", set: {} },
    },
    {
      table: "gate_devices",
      columns: { scanner_user_id: "link" },
      rows: (q, s) => q.where("scanner_user_id", s.userId),
      erase: { kind: "replace", set: { scanner_user_id: null } },
    },
    {
      table: "gate_zone_presence",
      columns: { scanner_user_id: "link" },
      rows: (q, s) => q.where("scanner_user_id", s.userId),
      erase: { kind: "replace", set: { scanner_user_id: null } },
    },
  ],
});
