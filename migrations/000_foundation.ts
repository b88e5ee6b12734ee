import type { Knex } from "knex";

/**
 * Shared building blocks for every later migration:
 * - btree_gist and citext extensions (exclusion constraints on stages, case-insensitive emails);
 * - set_updated_at(): a trigger function that keeps updated_at honest;
 * - indexer_cursors: how far the chain mirror has got, per chain (read by GET /ready).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("create extension if not exists btree_gist");
  await knex.raw("create extension if not exists citext");
  await knex.raw(`
    create or replace function set_updated_at() returns trigger language plpgsql as $$
    begin
      new.updated_at := now();
      return new;
    end $$;
  `);
  await knex.schema.createTable("indexer_cursors", (t) => {
    t.bigInteger("chain_id").primary({ constraintName: "pk_indexer_cursors" });
    t.bigInteger("block_number").notNullable();
    t.string("block_hash", 66).notNullable();
    t.timestamp("block_timestamp", { useTz: true }).notNullable();
    t.bigInteger("head_block_number").notNullable();
    t.timestamp("head_seen_at", { useTz: true }).notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable("indexer_cursors");
  await knex.raw("drop function if exists set_updated_at()");
}
