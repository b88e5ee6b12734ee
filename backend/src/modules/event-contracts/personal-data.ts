import { declarePersonalData } from "../../security/personal-data.js";

export const eventContractsPersonalData = declarePersonalData("event-contracts", {
  tables: [
    {
      table: "event_contracts",
      columns: { organizer_address: "wallet" },
      rows: (q, s) => q.whereIn("organizer_address", s.addresses),
      erase: { kind: "keep", reason: "the deployed contract's organizer address is public on-chain; the person's link to it (wallets) is deleted" },
    },
  ],
});
