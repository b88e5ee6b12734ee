import type { Knex } from "knex";
import { declarePersonalData } from "../../security/personal-data.js";

const allowErasure = async (trx: Knex.Transaction) => {
  await trx.raw("set local app.personal_data_erasure = 'on'");
};

/** This module's own tables: consent proof and the requests themselves are kept (accountability), without IP, user agent or free text. */
export const personalDataPersonalData = declarePersonalData("personal-data", {
  tables: [
    {
      table: "consent_records",
      columns: { user_id: "link", ip: "network", user_agent: "network" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: {
        kind: "hold",
        reason: "proof of consent (GDPR Art. 7(1)), kept without IP and user agent",
        retention: "until the account is hard-deleted (30 days after erasure)",
        set: { ip: null, user_agent: null },
      },
      prepare: allowErasure,
    },
    {
      table: "personal_data_requests",
      columns: { user_id: "link", handled_by: "link" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: {
        kind: "hold",
        reason: "the record that the request was made and answered (accountability)",
        retention: "3 years (no job removes them yet)",
        set: { details: null },
      },
      scrub: ["resolution"],
    },
    { table: "retention_runs", columns: { note: "none" }, note: "counts of what each retention policy removed" },
    { table: "erasure_runs", columns: { user_id: "link" }, note: "the run's identifiers are encrypted and dropped when it completes; what is left are counts" },
  ],
});
