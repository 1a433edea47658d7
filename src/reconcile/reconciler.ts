/**
 * The reconciling half of the bridge, as main.ts starts it: the GitLab client (with every exchange
 * reported to the call log that audits it per subject), the workers, and at start-up the end of dry
 * run for subjects held while it was on (queue.ts, hold), and the drift sweep: run on demand
 * (`reconcile --full`, through `sweeper`) and every RECONCILE_DRIFT_INTERVAL_MINUTES (the first one
 * interval after the start; a tick while a sweep runs is skipped). Stop it before the database closes:
 * the workers release their claims and a sweep in flight is cancelled.
 */
import type { Config } from "../config";
import { readSettings } from "../connections/settings";
import type { Database } from "../db/database";
import type { GitLabClient } from "../gitlab/client";
import type { Logger } from "../observability/logger";
import { DriftSweeper } from "./drift-sweep";
import type { GitLabCallLog } from "./gitlab-call-log";
import * as queue from "./queue";
import { startReconcileWorkers, type ReconcileWorkers } from "./worker";

export interface Reconciler {
  gitlab: GitLabClient;
  workers: ReconcileWorkers;
  /** Runs drift sweeps one at a time (the periodic one and `reconcile --full`). */
  sweeper: DriftSweeper;
  stop(): Promise<void>;
}

export function retryPolicyOf(config: Config): queue.RetryPolicy {
  return { ...queue.DEFAULT_RETRY_POLICY, maxAttempts: config.reconcileMaxAttempts, maxFailingMs: config.reconcileMaxFailingHours * 3_600_000 };
}

/** `gitlab` is the bridge's one client, whose onCall reports to `callLog` (runtime/gitlab-connection.ts). */
export async function startReconciler(deps: { config: Config; db: Database; gitlab: GitLabClient; callLog: GitLabCallLog; logger: Logger }): Promise<Reconciler> {
  const { config, db, gitlab, callLog, logger } = deps;
  if (!config.dryRun) await resumeAfterDryRun(db);
  else logger.warn("DRY_RUN=true: the reconcilers record the GitLab calls they would make (audit action gitlab.plan) and make none");
  const workers = startReconcileWorkers({
    runner: db.direct,
    gitlab,
    callLog,
    logger,
    workers: config.reconcileWorkers,
    leaseMs: config.reconcileLeaseMs,
    pollMs: config.reconcilePollMs,
    dryRun: config.dryRun,
    policy: retryPolicyOf(config),
  });
  const stopping = new AbortController();
  const sweeper = new DriftSweeper({ runner: db.direct, gitlab, callLog, now: () => new Date() }, stopping.signal);
  const periodic = schedulePeriodicSweep(sweeper, config.reconcileDriftIntervalMs, workers, logger);
  return {
    gitlab,
    workers,
    sweeper,
    async stop() {
      periodic.stop();
      stopping.abort();
      await workers.stop();
      await sweeper.settled();
    },
  };
}

/** Every `intervalMs` (0: never), a sweep of every connection unless one is running; its marks wake the workers. */
function schedulePeriodicSweep(sweeper: DriftSweeper, intervalMs: number, workers: ReconcileWorkers, logger: Logger): { stop(): void } {
  if (intervalMs === 0) return { stop: () => undefined };
  const timer = setInterval(() => {
    if (!sweeper.idle) return;
    sweeper.sweep({ actor: "reconciler" }).then(
      (report) => {
        workers.wake();
        const drift = report.connections.reduce((n, c) => n + c.userDrift.length, 0);
        logger.info({ sweepId: report.sweepId, gitlabUsers: report.gitlabUsers, userDrift: drift }, "drift sweep done");
      },
      (error) => logger.warn({ err: error }, "drift sweep failed; the next one runs at the next interval"),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** Makes the subjects held by dry run due again, for every connection whose own dryRun is off. */
export async function resumeAfterDryRun(db: Database, now = new Date()): Promise<number> {
  const connections = await db.prisma.connection.findMany({ select: { id: true, settings: true } });
  const off = connections.filter((c) => {
    try {
      return !readSettings(c.settings).dryRun;
    } catch {
      return false; // invalid settings: its subjects park with the reason when reconciled
    }
  });
  if (off.length === 0) return 0;
  return (await queue.resumeHeld(db.direct, { connectionIds: off.map((c) => c.id) }, now)).length;
}
