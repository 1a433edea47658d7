/**
 * The reconciling half of the bridge, as main.ts starts it: the GitLab client (with every exchange
 * reported to the call log that audits it per subject), the workers, and at start-up the end of dry
 * run for subjects held while it was on (queue.ts, hold). Stop it before the database closes: the
 * workers release their claims.
 */
import type { Config } from "../config";
import { readSettings } from "../connections/settings";
import type { Database } from "../db/database";
import type { GitLabClient } from "../gitlab/client";
import type { Logger } from "../observability/logger";
import type { GitLabCallLog } from "./gitlab-call-log";
import * as queue from "./queue";
import { startReconcileWorkers, type ReconcileWorkers } from "./worker";

export interface Reconciler {
  gitlab: GitLabClient;
  workers: ReconcileWorkers;
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
  return {
    gitlab,
    workers,
    async stop() {
      await workers.stop();
    },
  };
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
