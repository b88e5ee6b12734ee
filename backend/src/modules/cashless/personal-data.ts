import { declarePersonalData } from "../../security/personal-data.js";

const BANDS = "select account_id from wristbands where user_id = ?";
const FINANCIAL =
  "cashless ledger entries are bookkeeping records (7-year financial retention); they hold accounts, not people, once the wristband is unlinked";

export const cashlessPersonalData = declarePersonalData("cashless", {
  tables: [
    {
      table: "ledger_transfers",
      columns: {},
      rows: (q, s) => q.whereRaw(`from_account_id in (${BANDS})`, [s.userId]).orWhereRaw(`to_account_id in (${BANDS})`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
      omit: ["request_hash"],
    },
    {
      table: "ledger_accounts",
      columns: {},
      rows: (q, s) => q.whereRaw(`id in (${BANDS})`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
    },
    {
      table: "cashless_offline_entries",
      columns: { tag_id: "device" },
      rows: (q, s) => q.whereRaw("tag_id in (select tag_id from wristbands where user_id = ?)", [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
      omit: ["signature"],
    },
    {
      table: "cashless_drawer_shifts",
      columns: { cashier_user_id: "link" },
      rows: (q, s) => q.where("cashier_user_id", s.userId),
      erase: { kind: "hold", reason: "a cashier's counted cash (7-year financial retention)", retention: "7 years", set: {} },
    },
    { table: "cashless_cashiers", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "wristbands",
      columns: { tag_id: "device", user_id: "link" },
      rows: (q, s) => q.where("user_id", s.userId),
      // last: the steps above find the person's accounts through this link
      erase: { kind: "replace", set: { user_id: null } },
    },
  ],
});
