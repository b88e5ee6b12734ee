import type { Knex } from "knex";
import { z } from "./zod.js";
import { HttpError } from "./errors.js";

/**
 * Cursor pagination (keyset, never OFFSET): stable under inserts, O(limit) per page.
 *
 *   query: PageQuery.extend({ action: z.string().optional() }),
 *   response: pageOf(AuditEntry),
 *   handler: ({ query }) => paginate(db("audit_log").where(...), query, { column: "created_at", id: "id", order: "desc" }, toDto)
 */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(400).optional(),
});
export type PageQuery = z.output<typeof PageQuery>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** One order column with its own direction (e.g. `{ column: "starts_at", order: "desc" }`). */
export interface OrderColumn {
  column: string;
  order: "asc" | "desc";
}

export interface PageOrder {
  /**
   * The column(s) that order the rows (created_at, name, or [sort_order, name]...), ties broken
   * by `id`. A plain name takes `order`; an OrderColumn says its own direction.
   */
  column: string | readonly (string | OrderColumn)[];
  id?: string;
  /** The direction of every column that does not say its own, and of `id`. */
  order: "asc" | "desc";
}

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

export function decodeCursor(cursor: string): [string | number, string] {
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(values) && values.length === 2 && ["string", "number"].includes(typeof values[0]) && typeof values[1] === "string") {
      return values as [string | number, string];
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

/** The values of `count` order columns and the id, as `paginate` encoded them. */
function decodeKeyset(cursor: string, count: number): Array<string | number> {
  if (count === 1) return decodeCursor(cursor);
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(values) &&
      values.length === count + 1 &&
      values.every((v) => ["string", "number"].includes(typeof v)) &&
      typeof values[count] === "string"
    ) {
      return values as Array<string | number>;
    }
  } catch {
    // fall through
  }
  throw invalidCursor();
}

export function invalidCursor(): HttpError {
  return new HttpError(400, "invalid_cursor", "cursor is not one this API returned", [{ field: "query.cursor", message: "invalid cursor" }]);
}

/** Alias under which `paginate` selects an order column's exact value as text: never part of an item. */
const cursorAlias = (i: number) => `__page_cursor_${i}`;

/**
 * Runs `query` for one page; `toItem` maps a row to its DTO. Returns `{ items, nextCursor }`.
 *
 * The cursor holds each order column's value exactly as Postgres prints it (`column::text`,
 * selected alongside the row), and the next page compares the columns with those texts, which
 * Postgres reads back as the column's own type. So a timestamptz keeps its microseconds (a JS
 * Date would cut them to milliseconds and repeat or skip rows that share one), and numeric or
 * bigint values are never rounded through a JS number.
 */
export async function paginate<Row extends object = Record<string, unknown>, Item = unknown>(
  query: Knex.QueryBuilder,
  page: PageQuery,
  order: PageOrder,
  toItem: (row: Row) => Item,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const named = typeof order.column === "string" ? [order.column] : order.column;
  const columns: OrderColumn[] = [
    ...named.map((c) => (typeof c === "string" ? { column: c, order: order.order } : c)),
    { column: order.id ?? "id", order: order.order },
  ];
  if (page.cursor) {
    const values = decodeKeyset(page.cursor, columns.length - 1);
    if (columns.every((c) => c.order === columns[0]!.order)) {
      // one direction: a row comparison, which an index on the columns serves
      const op = columns[0]!.order === "desc" ? "<" : ">";
      const list = columns.map(() => "??").join(", ");
      query.whereRaw(`(${list}) ${op} (${columns.map(() => "?").join(", ")})`, [...columns.map((c) => c.column), ...values]);
    } else {
      // mixed directions: (a after x) or (a = x and b after y) or ...
      query.where((w) => {
        columns.forEach((c, i) => {
          w.orWhere((and) => {
            for (let j = 0; j < i; j++) and.where(columns[j]!.column, values[j]!);
            and.where(c.column, c.order === "desc" ? "<" : ">", values[i]!);
          });
        });
      });
    }
  }
  if (!hasSelect(query)) query.select("*");
  query.select(columns.map((c, i) => query.client.raw("??::text as ??", [c.column, cursorAlias(i)])));
  const rows: Array<Record<string, unknown>> = await query.orderBy(columns.map(({ column, order }) => ({ column, order }))).limit(page.limit + 1);
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1];
  const nextCursor = hasMore && last ? encodeCursor(columns.map((_, i) => last[cursorAlias(i)])) : null;
  const items = pageRows.map((row) => {
    const item = { ...row };
    columns.forEach((_, i) => delete item[cursorAlias(i)]);
    return toItem(item as Row);
  });
  return { items, nextCursor };
}

/** Whether the query names its columns (without any, knex selects `*`, which adding a column would replace). */
function hasSelect(query: Knex.QueryBuilder): boolean {
  const statements = (query as unknown as { _statements?: Array<{ grouping: string }> })._statements ?? [];
  return statements.some((s) => s.grouping === "columns");
}
