import { declarePersonalData } from "../../security/personal-data.js";
import { ARTISTS_OF } from "../organizations/personal-data.js";

const FINANCIAL = "expenses, their receipts and approvals are bookkeeping records (7-year financial retention)";

export const expensesPersonalData = declarePersonalData("expenses", {
  tables: [
    {
      table: "expenses",
      columns: { submitter_user_id: "link" },
      rows: (q, s) => q.where("submitter_user_id", s.userId).orWhereRaw(`artist_id in (${ARTISTS_OF})`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
    },
    {
      table: "expense_receipts",
      columns: { file_name: "free_text" },
      rows: (q, s) => q.whereRaw(`expense_id in (select id from expenses where submitter_user_id = ?)`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: { file_name: null } },
      omit: ["storage_key"],
    },
    {
      table: "expense_approvals",
      columns: { approver_user_id: "link", comment: "free_text" },
      rows: (q, s) => q.where("approver_user_id", s.userId),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
    },
  ],
});
