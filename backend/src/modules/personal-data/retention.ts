import type { Knex } from "knex";
import { newId } from "../../../../lib/ids.js";
import { deletedUsersBefore, hardDeleteUser } from "../users/personal-data.js";
import type { RetentionPolicy } from "../../security/personal-data.js";
import { runErasure, startErasure, type ErasureDeps } from "./erasure.js";

export const RETENTION_TASK = "personal_data_retention";
const DAY = 86_400_000;

/**
 * Deleted accounts are hard-deleted 30 days after their deletion. One never erased (deleted
 * some other way) is erased first, so the hard delete leaves nothing behind in other modules.
 * A tombstone that a record under legal hold still points at (a staff member's shifts, a
 * camping booking) stays, anonymous, and is counted as kept.
 */
function deletedAccounts(deps: ErasureDeps): RetentionPolicy {
  return {
    name: "deleted_accounts",
    description: "deleted accounts hard-deleted 30 days after deletion",
    periodDays: 30,
    run: async (db, cutoff) => {
      let removed = 0;
      let kept = 0;
      // every page, by id: tombstones that must stay never hide the ones behind them
      let after: string | undefined;
      for (;;) {
        const page = await deletedUsersBefore(db, cutoff, 500, after);
        if (!page.length) break;
        after = page[page.length - 1];
        for (const userId of page) {
          const erased = await db("erasure_runs").where({ user_id: userId, status: "COMPLETED" }).first("id");
          if (!erased) await runErasure(deps, await startErasure(deps, userId, null));
          if (await hardDeleteUser(db, userId)) removed++;
          else kept++;
        }
      }
      return { removed, kept, note: kept ? "kept tombstones are referenced by records under legal hold" : undefined };
    },
  };
}

export interface RetentionResult {
  policy: string;
  module: string;
  cutoff: string;
  removed: number;
  kept: number;
  note?: string;
}

export function retentionPolicies(deps: ErasureDeps): Array<RetentionPolicy & { module: string }> {
  return [{ ...deletedAccounts(deps), module: "users" }, ...deps.registry.retention];
}

/** Runs every retention policy once and records what each removed (retention_runs). */
export async function runRetention(deps: ErasureDeps, now = new Date()): Promise<RetentionResult[]> {
  const results: RetentionResult[] = [];
  for (const p of retentionPolicies(deps)) {
    const cutoff = new Date(now.getTime() - p.periodDays * DAY);
    const r = await p.run(deps.db, cutoff);
    const result = { policy: p.name, module: p.module, cutoff: cutoff.toISOString(), removed: r.removed, kept: r.kept ?? 0, note: r.note };
    await deps
      .db("retention_runs")
      .insert({ id: newId(), policy: p.name, module: p.module, cutoff, removed: r.removed, kept: r.kept ?? 0, note: r.note ?? null });
    results.push(result);
  }
  return results;
}

export async function queueRetention(db: Knex | Knex.Transaction): Promise<void> {
  await db.raw("select graphile_worker.add_job(?, '{}'::json, job_key => ?)", [RETENTION_TASK, RETENTION_TASK]);
}

export async function lastRetentionRuns(db: Knex) {
  return db("retention_runs")
    .distinctOn("policy")
    .orderBy([{ column: "policy" }, { column: "ran_at", order: "desc" }])
    .select("*");
}
