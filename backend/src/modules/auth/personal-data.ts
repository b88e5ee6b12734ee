import { declarePersonalData } from "../../security/personal-data.js";

const SESSION_IDS = "select id from auth_sessions where user_id = ?";

/** Sign-in state: sessions (with IP and user agent), refresh tokens, passwords, one-time tokens and challenges. */
export const authPersonalData = declarePersonalData("auth", {
  tables: [
    {
      table: "refresh_tokens",
      columns: {},
      rows: (q, s) => q.whereRaw(`session_id in (${SESSION_IDS})`, [s.userId]),
      erase: { kind: "delete" },
      omit: ["token_hash"],
    },
    {
      table: "auth_sessions",
      columns: { user_id: "link", ip: "network", user_agent: "network" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: { kind: "delete" },
    },
    { table: "user_passwords", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" }, omit: ["password_hash"] },
    { table: "email_tokens", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" }, omit: ["token_hash"] },
    { table: "auth_nonces", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "stellar_challenges",
      columns: { user_id: "link", account: "wallet" },
      rows: (q, s) => q.where("user_id", s.userId).orWhereIn("account", s.addresses),
      erase: { kind: "delete" },
    },
  ],
  retention: [
    {
      name: "expired_refresh_tokens",
      description: "refresh tokens purged 30 days after they expired",
      periodDays: 30,
      run: async (db, cutoff) => ({ removed: await db("refresh_tokens").where("expires_at", "<", cutoff).delete() }),
    },
  ],
});
