import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import type { DataBox } from "../../security/encryption.js";
import { recordAudit, systemAuditContext } from "../audit/service.js";
import type { Replacement, Subject } from "../../security/personal-data.js";
import { identifierPattern, identifierStrings } from "./identifiers.js";
import { subjectRows, type DeclaredTable, type PersonalDataRegistry } from "./registry.js";
import { scanLeftovers, textColumns, type LeftoverReport } from "./scan.js";

export const ERASE_TASK = "personal_data_erase";
const IDENTIFIERS = "erasure_runs.identifiers";

export interface ErasureDeps {
  db: Knex;
  box: DataBox;
  registry: PersonalDataRegistry;
  /** Told when a user's data is gone (their sessions must stop working in every API process). */
  onErased?: (userId: string) => void;
}

/**
 * Starts the erasure of a user: one run, its job on the queue. The person's identifiers are
 * read now (later steps remove them from the tables they came from) and kept encrypted in the
 * run until it completes. A run already going for the user is returned as it is.
 */
export async function startErasure(deps: ErasureDeps, userId: string, requestId: string | null, trx?: Knex.Transaction): Promise<string> {
  const work = async (t: Knex.Transaction) => {
    // two starts for one user at once: the second waits here, then finds the first's run
    await t.raw("select pg_advisory_xact_lock(hashtext(?))", [`erasure-start:${userId}`]);
    const running = await t("erasure_runs").where({ user_id: userId, status: "RUNNING" }).first("id");
    if (running) return running.id as string;
    const subject = await deps.registry.subject(t, deps.box, userId);
    const id = newId();
    await t("erasure_runs").insert({
      id,
      user_id: userId,
      request_id: requestId,
      identifiers_encrypted: deps.box.encrypt(JSON.stringify(subject), IDENTIFIERS),
    });
    await t.raw("select graphile_worker.add_job(?, json_build_object('runId', ?::text), job_key => ?, max_attempts => 25)", [
      ERASE_TASK,
      id,
      `${ERASE_TASK}:${id}`,
    ]);
    return id;
  };
  return trx ? work(trx) : deps.db.transaction(work);
}

async function replacements(trx: Knex.Transaction, set: Record<string, Replacement>, s: Subject): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(set)) out[k] = typeof v === "function" ? (v as (t: Knex.Transaction, s: Subject) => unknown)(trx, s) : v;
  return out;
}

/** Replaces the person's identifiers by "[erased]" in the given text/JSON columns of every row. */
async function scrub(trx: Knex.Transaction, t: DeclaredTable, pattern: string | null, types: Map<string, string>): Promise<number> {
  if (!pattern || !t.scrub?.length) return 0;
  let n = 0;
  for (const column of t.scrub) {
    const type = types.get(`${t.table}.${column}`);
    if (!type) throw new Error(`${t.module}: ${t.table}.${column} is not a text or JSON column`);
    const cast = type === "json" || type === "jsonb" ? `::${type}` : type === "citext" ? "::citext" : "";
    const result = await trx.raw(`update ?? set ?? = regexp_replace(??::text, ?, '[erased]', 'gi')${cast} where ??::text ~* ?`, [
      t.table,
      column,
      column,
      pattern,
      column,
      pattern,
    ]);
    n += result.rowCount ?? 0;
  }
  return n;
}

async function eraseTable(trx: Knex.Transaction, t: DeclaredTable, s: Subject): Promise<{ action: string; rows: number; reason?: string; retention?: string }> {
  if (!t.rows || !t.erase) return { action: "scrub", rows: 0 };
  const e = t.erase;
  switch (e.kind) {
    case "delete":
      return { action: "delete", rows: await subjectRows(trx, t, s).delete() };
    case "replace":
      return { action: "replace", rows: Object.keys(e.set).length ? await subjectRows(trx, t, s).update(await replacements(trx, e.set, s)) : 0 };
    case "hold": {
      const rows = Object.keys(e.set).length
        ? await subjectRows(trx, t, s).update(await replacements(trx, e.set, s))
        : Number((await subjectRows(trx, t, s).count({ n: "*" }).first())?.n ?? 0);
      return { action: "hold", rows, reason: e.reason, retention: e.retention };
    }
    case "keep":
      return { action: "keep", rows: Number((await subjectRows(trx, t, s).count({ n: "*" }).first())?.n ?? 0), reason: e.reason };
  }
}

export interface RunOptions {
  /** Called after each finished step (tests stop a run half-way here to prove it resumes). */
  afterStep?: (table: string) => void;
}

/**
 * Runs (or resumes) an erasure: every declared table is one step in its own transaction, with
 * the step's row written in the same transaction, so after a crash the retried job starts at
 * the first table without a step. Each step is idempotent anyway (the second delete finds
 * nothing, a replacement writes the same values). At the end the leftover scan runs; the
 * run keeps its counts (never values) and drops the identifiers.
 */
export async function runErasure(deps: ErasureDeps, runId: string, opts: RunOptions = {}): Promise<{ status: string; leftover: LeftoverReport | null }> {
  const { db, box, registry } = deps;
  const run = await db("erasure_runs").where("id", runId).first();
  if (!run) throw new Error(`erasure run ${runId} does not exist`);
  if (run.status === "COMPLETED") return { status: "COMPLETED", leftover: null };
  const subject = JSON.parse(box.decrypt(run.identifiers_encrypted, IDENTIFIERS)) as Subject;
  const done = new Set((await db("erasure_steps").where("run_id", runId).select("table_name")).map((r: { table_name: string }) => r.table_name));
  const pattern = identifierPattern(identifierStrings(subject).all);
  const types = new Map((await textColumns(db)).map((c) => [`${c.table}.${c.column}`, c.type]));
  for (const t of registry.tables) {
    if (done.has(t.table) || (!t.rows && !t.scrub?.length)) continue;
    await db.transaction(async (trx) => {
      await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`erasure:${runId}`]);
      const again = await trx("erasure_steps").where({ run_id: runId, table_name: t.table }).first("id");
      if (again) return;
      await t.prepare?.(trx);
      const result = await eraseTable(trx, t, subject);
      const scrubbed = await scrub(trx, t, pattern, types);
      await trx("erasure_steps").insert({
        id: newId(),
        run_id: runId,
        module: t.module,
        table_name: t.table,
        action: result.action,
        rows_affected: result.rows,
        rows_scrubbed: scrubbed,
        reason: result.reason ?? null,
        retention: result.retention ?? null,
      });
    });
    opts.afterStep?.(t.table);
  }
  const leftover = await scanLeftovers(db, registry, subject);
  await db.transaction(async (trx) => {
    await trx("erasure_runs")
      .where("id", runId)
      .update({
        status: "COMPLETED",
        completed_at: trx.fn.now(),
        identifiers_encrypted: null,
        leftover_count: leftover.total,
        leftover: JSON.stringify(leftover),
      });
    if (run.request_id) {
      await trx("personal_data_requests")
        .where("id", run.request_id)
        .whereNot("status", "COMPLETED")
        .update({ status: "COMPLETED", completed_at: trx.fn.now(), resolution: `erased (run ${runId}); leftover personal data: ${leftover.total}` });
    }
    await recordAudit(trx, systemAuditContext(), {
      action: "personal_data.erased",
      entityType: "user",
      entityId: run.user_id,
      after: { runId, requestId: run.request_id, leftover: leftover.total, steps: await trx("erasure_steps").where("run_id", runId).count({ n: "*" }).first() },
    });
  });
  deps.onErased?.(run.user_id);
  return { status: "COMPLETED", leftover };
}

export async function erasureReport(db: Knex, runId: string) {
  const run = await db("erasure_runs")
    .where("id", runId)
    .first("id", "user_id", "request_id", "status", "leftover_count", "leftover", "started_at", "completed_at");
  if (!run) return undefined;
  const steps = await db("erasure_steps")
    .where("run_id", runId)
    .orderBy("done_at")
    .orderBy("id")
    .select("module", "table_name", "action", "rows_affected", "rows_scrubbed", "reason", "retention", "done_at");
  return { run, steps };
}
