import { Logger, run, runOnce, type Runner, type TaskList } from "graphile-worker";
import type { Logger as Pino } from "pino";
import { PERFORMANCE_SEND_TASK, sendPerformanceDecision, type PerformanceAction, type PerformanceChainDeps } from "./performance-chain.js";
import { SIGNATURE_EVENT_TASK, type ContractService } from "./service.js";

/**
 * The artist-contracts worker (graphile-worker, the queue in Postgres the other workers use):
 * - signature_event_process { companyId, eventId }: applies a stored e-signature webhook event
 *   (the request only verified, stored and queued it);
 * - performance_chain_send { companyId, contractId, action }: confirmPerformance /
 *   cancelPerformance on the event's revenue split (performance-chain.ts).
 * Both are safe to run again: a processed event and a settled send are left as they are.
 */
export interface ContractJobDeps extends PerformanceChainDeps {
  contracts: ContractService;
}

export function contractTasks(deps: ContractJobDeps): TaskList {
  return {
    [SIGNATURE_EVENT_TASK]: async (payload) => {
      const p = payload as { companyId: string; eventId: string };
      await deps.contracts.processStoredEvent(p.companyId, p.eventId);
    },
    [PERFORMANCE_SEND_TASK]: async (payload) => {
      await sendPerformanceDecision(deps, payload as { companyId: string; contractId: string; action: PerformanceAction });
    },
  };
}

const workerLogger = (log?: Pino) =>
  new Logger((scope) => (level, message, meta) => {
    if (!log) return;
    const fn = level === "error" ? log.error.bind(log) : level === "warning" ? log.warn.bind(log) : log.debug.bind(log);
    fn({ scope, ...meta }, message);
  });

export function startContractWorker(opts: { connectionString: string; deps: ContractJobDeps; log: Pino }): Promise<Runner> {
  return run({
    connectionString: opts.connectionString,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 500,
    logger: workerLogger(opts.log),
    taskList: contractTasks(opts.deps),
  });
}

/** Runs every due artist-contracts job, then returns (tests). */
export function runContractJobsOnce(opts: { connectionString: string; deps: ContractJobDeps }): Promise<void> {
  return runOnce({ connectionString: opts.connectionString, logger: workerLogger(), taskList: contractTasks(opts.deps) });
}
