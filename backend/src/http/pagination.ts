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

export interface PageOrder {
  /** The column(s) that order the rows (created_at, name, or [sort_order, name]...), ties broken by `id`; all in `order`. */
  column: string | readonly string[];
  id?: string;
  order: "asc" | "desc";
  /**
   * The table the rows are (with a uuid `id`), for an order by a timestamptz: a cursor holds
   * JavaScript milliseconds, the column microseconds, so rows sharing a millisecond would be
   * repeated or skipped. With `anchor` the next page starts after the cursor's row itself,
   * its keyset read back by id at the column's own precision.
   */
  anchor?: string;
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/** The 400 for a cursor this API did not hand out (also for a list's own checks of a decoded cursor). */
export function invalidCursor(): HttpError {
  return new HttpError(400, "invalid_cursor", "cursor is not one this API returned", [{ field: "query.cursor", message: "invalid cursor" }]);
}

/** Runs `query` for one page; `toItem` maps a row to its DTO. Returns `{ items, nextCursor }`. */
export async function paginate<Row extends object = Record<string, unknown>, Item = unknown>(
  query: Knex.QueryBuilder,
  page: PageQuery,
  order: PageOrder,
  toItem: (row: Row) => Item,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const columns = [...(typeof order.column === "string" ? [order.column] : order.column), order.id ?? "id"];
  const keys = columns.map((c) => c.split(".").pop()!);
  if (page.cursor) {
    const values = decodeKeyset(page.cursor, columns.length - 1);
    const op = order.order === "desc" ? "<" : ">";
    const list = columns.map(() => "??").join(", ");
    if (order.anchor) {
      const id = values[values.length - 1];
      if (typeof id !== "string" || !UUID.test(id)) throw invalidCursor();
      const anchorList = keys.map(() => "??").join(", ");
      query.whereRaw(`(${list}) ${op} (select ${anchorList} from ?? where ?? = ?)`, [...columns, ...keys, order.anchor, keys[keys.length - 1]!, id]);
    } else {
      query.whereRaw(`(${list}) ${op} (${columns.map(() => "?").join(", ")})`, [...columns, ...values]);
    }
  }
  const rows: Row[] = await query.orderBy(columns.map((column) => ({ column, order: order.order }))).limit(page.limit + 1);
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  const last = pageRows[pageRows.length - 1] as Record<string, unknown> | undefined;
  const cursorOf = (row: Record<string, unknown>) => encodeCursor(keys.map((k) => (row[k] instanceof Date ? (row[k] as Date).toISOString() : row[k])));
  return { items: pageRows.map(toItem), nextCursor: hasMore && last ? cursorOf(last) : null };
}
