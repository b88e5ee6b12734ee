import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { ERASE_TASK, runErasure, type ErasureDeps } from "./erasure.js";
import { RETENTION_TASK, runRetention } from "./retention.js";

/**
 * The personal-data worker (graphile-worker, the same queue in Postgres as mail and shifts):
 * - personal_data_erase { runId }: runs or resumes an erasure (a failed attempt is retried and
 *   resumes after its last finished step).
 * - personal_data_retention: every retention policy, daily at 03:00 UTC and on demand.
 */
export function personalDataTasks(deps: ErasureDeps, log?: Pino): TaskList {
  return {
    [ERASE_TASK]: async (payload) => {
      const result = await runErasure(deps, (payload as { runId: string }).runId);
      log?.info({ runId: (payload as { runId: string }).runId, leftover: result.leftover?.total }, "personal data erased");
    },
    [RETENTION_TASK]: async () => {
      const results = await runRetention(deps);
      log?.info({ results }, "retention run");
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

export function startPersonalDataWorker(opts: { connectionString: string; deps: ErasureDeps; log?: Pino }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: 1,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(opts.log),
    taskList: personalDataTasks(opts.deps, opts.log),
    crontab: `0 3 * * * ${RETENTION_TASK}`,
  });
}

/** Runs every due personal-data job to completion, then returns (tests, the bench). */
export function runPersonalDataJobsOnce(opts: { connectionString: string; deps: ErasureDeps }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: personalDataTasks(opts.deps) });
}
