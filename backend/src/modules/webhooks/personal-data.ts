import { declarePersonalData } from "../../security/personal-data.js";

export const webhooksPersonalData = declarePersonalData("webhooks", {
  tables: [
    {
      table: "webhook_messages",
      columns: {},
      note: "chain facts sent to organizers' endpoints (addresses only); any identifier of the person in a payload is scrubbed",
      scrub: ["payload"],
    },
    { table: "webhook_attempts", columns: {}, note: "receivers' response excerpts", scrub: ["response_excerpt"] },
  ],
});
