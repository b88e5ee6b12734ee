import { declarePersonalData } from "../security/personal-data.js";

/** The plumbing's own tables: an idempotent POST's stored answer is the caller's data until it expires. */
export const httpPersonalData = declarePersonalData("http", {
  tables: [
    {
      table: "idempotency_keys",
      columns: {},
      rows: (q, s) => q.where("principal", `user:${s.userId}`),
      erase: { kind: "delete" },
      scrub: ["response_body"],
      omit: ["request_hash"],
    },
  ],
  retention: [
    {
      name: "expired_idempotency_keys",
      description: "stored answers of idempotent requests removed once they expired (a key is only cleared when it is reused)",
      periodDays: 0,
      run: async (db, cutoff) => ({ removed: await db("idempotency_keys").where("expires_at", "<", cutoff).delete() }),
    },
  ],
});
