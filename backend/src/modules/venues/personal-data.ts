import { declarePersonalData } from "../../security/personal-data.js";

export const venuesPersonalData = declarePersonalData("venues", {
  tables: [{ table: "venues", columns: { address_line1: "none", address_line2: "none", postal_code: "none" }, note: "a venue's public postal address" }],
});
