import { declarePersonalData } from "../../security/personal-data.js";
import { ARTISTS_OF } from "../organizations/personal-data.js";

const CONTRACTS = `select id from artist_contracts where artist_id in (${ARTISTS_OF})`;
const LEGAL = "an artist contract and its signed versions (legal retention of signed contracts)";

export const artistContractsPersonalData = declarePersonalData("artist-contracts", {
  tables: [
    {
      table: "artist_contracts",
      columns: { payee_address: "wallet", performance_decided_by: "link" },
      rows: (q, s) => q.whereRaw(`artist_id in (${ARTISTS_OF})`, [s.userId]),
      // the contract stays; the wallet it pays is the person's link to an address
      erase: { kind: "hold", reason: LEGAL, retention: "10 years", set: { payee_address: null } },
    },
    {
      table: "performance_chain_sends",
      columns: { payee_address: "wallet", from_address: "none" /* the platform's confirmer account */ },
      rows: (q, s) => q.whereRaw(`contract_id in (${CONTRACTS})`, [s.userId]),
      // the record of a transaction on a public chain: the address is on-chain for good
      erase: { kind: "hold", reason: "the record of an on-chain payment decision (the address is public on the chain)", retention: "10 years", set: {} },
    },
    {
      table: "artist_contract_versions",
      columns: {},
      rows: (q, s) => q.whereRaw(`contract_id in (${CONTRACTS})`, [s.userId]),
      // versions are immutable (a trigger refuses any change): held as signed
      erase: { kind: "hold", reason: LEGAL, retention: "10 years", set: {} },
    },
  ],
});
