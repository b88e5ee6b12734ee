import { declarePersonalData } from "../../security/personal-data.js";

export const apiKeysPersonalData = declarePersonalData("api-keys", {
  tables: [{ table: "api_keys", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" }, omit: ["key_hash"] }],
});
