import type { Knex } from "knex";
import { declarePersonalData } from "../../security/personal-data.js";

const TAX_ID = "organizer_profiles.tax_id";

/** The account itself, its wallets (the only off-chain link between the person and their addresses) and profiles. */
export const usersPersonalData = declarePersonalData("users", {
  identify: async ({ db, box }, userId) => {
    const user = await db("users").where("id", userId).first("email", "display_name");
    const wallets: Array<{ address: string }> = await db("wallets").where("user_id", userId).select("address");
    const profiles: Array<{ tax_id_encrypted: Buffer | null }> = await db("organizer_profiles").where("user_id", userId).select("tax_id_encrypted");
    const taxIds = profiles.flatMap((p) => (p.tax_id_encrypted ? [box.decrypt(p.tax_id_encrypted, TAX_ID)] : []));
    return {
      emails: user?.email ? [String(user.email).toLowerCase()] : [],
      names: user?.display_name ? [user.display_name] : [],
      addresses: wallets.map((w) => w.address),
      taxIds,
    };
  },
  tables: [
    { table: "user_roles", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    { table: "fan_profiles", columns: { user_id: "link" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "artist_profiles",
      columns: { user_id: "link", stage_name: "name", bio: "free_text" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: { kind: "delete" },
    },
    {
      table: "content_creator_profiles",
      columns: { user_id: "link", channel_name: "name" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: { kind: "delete" },
    },
    { table: "sponsor_profiles", columns: { user_id: "link", brand_name: "name" }, rows: (q, s) => q.where("user_id", s.userId), erase: { kind: "delete" } },
    {
      table: "organizer_profiles",
      columns: { user_id: "link", company_name: "name", tax_id_encrypted: "financial", bank_details_encrypted: "financial", verified_by: "link" },
      rows: (q, s) => q.where("user_id", s.userId),
      erase: { kind: "delete" },
      omit: ["tax_id_encrypted", "bank_details_encrypted"],
    },
    {
      table: "wallets",
      columns: { user_id: "link", address: "wallet" },
      rows: (q, s) => q.where("user_id", s.userId),
      // on-chain history cannot be erased: deleting this row cuts the person off their addresses
      erase: { kind: "delete" },
    },
    {
      table: "users",
      columns: { email: "contact", display_name: "name", bio: "free_text" },
      rows: (q, s) => q.where("id", s.userId),
      // the row stays (other records point at it) as an anonymous tombstone; retention hard-deletes it after 30 days
      erase: {
        kind: "replace",
        set: {
          email: null,
          email_verified_at: null,
          display_name: null,
          avatar_url: null,
          bio: null,
          locale: null,
          status: "disabled",
          deleted_at: (trx: Knex.Transaction) => trx.raw("coalesce(deleted_at, now())"),
        },
      },
    },
  ],
});

/** Accounts deleted before the cutoff, a page at a time after `after` (the retention job hard-deletes them). */
export async function deletedUsersBefore(db: Knex, cutoff: Date, limit: number, after?: string): Promise<string[]> {
  const q = db("users").whereNotNull("deleted_at").where("deleted_at", "<", cutoff).orderBy("id").limit(limit).select("id");
  if (after) q.where("id", ">", after);
  const rows: Array<{ id: string }> = await q;
  return rows.map((r) => r.id);
}

/** Removes the tombstone for good; false when a record kept under legal hold still points at it. */
export async function hardDeleteUser(db: Knex, userId: string): Promise<boolean> {
  try {
    await db.transaction(async (trx) => {
      await trx("users").where("id", userId).whereNotNull("deleted_at").delete();
    });
    return true;
  } catch (err) {
    // foreign_key_violation, restrict_violation
    if (["23503", "23001"].includes((err as { code?: string }).code ?? "")) return false;
    throw err;
  }
}
