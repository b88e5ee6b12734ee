import type { Knex } from "knex";
import { TIER_ID_BASE } from "../lib/token-ids.js";

/**
 * The token id layout in SQL, from the one TypeScript constant: `tier_id_base()` and
 * `tier_of(token_id)`. Immutable SQL functions, so Postgres inlines them into the
 * statements that use them (no per-row call).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function tier_id_base() returns numeric language sql immutable parallel safe
      as $$ select ${TIER_ID_BASE}::numeric $$;
    create function tier_of(token_id numeric) returns numeric language sql immutable parallel safe
      as $$ select div(token_id, tier_id_base()) $$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("drop function tier_of(numeric); drop function tier_id_base();");
}
