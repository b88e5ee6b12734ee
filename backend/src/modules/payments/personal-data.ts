import { declarePersonalData } from "../../security/personal-data.js";

const ORDERS = "select id from payment_orders where user_id = ?";
const FINANCIAL = "card orders and their payments are bookkeeping records (7-year financial retention)";

export const paymentsPersonalData = declarePersonalData("payments", {
  tables: [
    {
      table: "payment_orders",
      columns: { user_id: "link", deliver_to: "wallet", contract_address: "none" },
      rows: (q, s) => q.where("user_id", s.userId),
      // the order stays (money) on the anonymized account; the wallet it was delivered to is the person's link to an address
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: { deliver_to: null } },
      omit: ["mint_raw_tx"],
    },
    {
      table: "payments",
      columns: {},
      rows: (q, s) => q.whereRaw(`order_id in (${ORDERS})`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
      omit: ["client_secret"],
    },
    {
      table: "payment_webhook_events",
      columns: {},
      rows: (q, s) => q.whereRaw(`order_id in (${ORDERS})`, [s.userId]),
      // a provider's event may carry the card holder's email or name (billing details)
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
      scrub: ["payload"],
    },
    {
      table: "payment_tickets",
      columns: { user_id: "link", custody_address: "none", claimed_to: "wallet" },
      rows: (q, s) => q.where("user_id", s.userId),
      // a ticket in custody is an asset the platform holds for the account until it is refunded or claimed
      erase: {
        kind: "hold",
        reason: "a ticket held in custody for the account, or its claim record",
        retention: "until refunded or claimed",
        set: { claimed_to: null },
      },
    },
    {
      table: "payment_transfer_offers",
      columns: { from_user_id: "link", to_email: "contact", to_user_id: "link" },
      rows: (q, s) => q.where("from_user_id", s.userId).orWhere("to_user_id", s.userId).orWhereRaw("lower(to_email) = any(?)", [s.emails]),
      erase: { kind: "replace", set: { to_email: "[erased]" } },
    },
    {
      table: "payment_resales",
      columns: { seller_user_id: "link" },
      rows: (q, s) => q.where("seller_user_id", s.userId).orWhereRaw(`order_id in (${ORDERS})`, [s.userId]),
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
    },
    {
      table: "payment_seller_credits",
      columns: { seller_user_id: "link" },
      rows: (q, s) => q.where("seller_user_id", s.userId),
      // what the platform owes a seller is a debt on the books until paid out
      erase: { kind: "hold", reason: FINANCIAL, retention: "7 years", set: {} },
    },
    {
      table: "payment_chain_nonces",
      columns: { address: "none" },
      note: "the platform's own minter and custody accounts' transaction nonces",
    },
  ],
});
