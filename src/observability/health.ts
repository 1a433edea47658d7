/**
 * /healthz: the process answers. /readyz: whether this instance can serve the IdP, per component.
 *
 * Ready means the database answers: SCIM is answered from the database alone, and GitLab being down,
 * refusing the token or the reconcilers being stopped must not take the bridge out of a load balancer
 * (the IdP would see failures the bridge exists to absorb). So the status code is 200 while the
 * database answers and 503 only when it does not; the body says how each component is:
 *   {status: ready|degraded|unavailable, components: {database, gitlab, reconciler}}
 * "degraded" is a 200: something other than the database is not ok (GitLab unreachable, say).
 * The reconciler's queue counts scan the queue table, so they are reused for COUNTS_MAX_AGE_MS: a
 * load balancer polling every second must not put a table scan in line with SCIM writes.
 */
import type { RequestHandler } from "express";
import type { Database } from "../db/database";
import type { GitLabStatusView } from "../gitlab/gitlab-status";
import { countByState, type QueueState } from "../reconcile/queue";

/** What /readyz reads beside the database; each is optional (a bare app in tests has neither). */
export interface HealthSources {
  gitlab?: { view(): GitLabStatusView };
  /** The reconcile workers of this process (running, paused while GitLab is unusable, stopped). */
  reconciler?: { state(): string };
  /** How long queue counts are reused, ms. Default COUNTS_MAX_AGE_MS. */
  countsMaxAgeMs?: number;
}

const COUNTS_MAX_AGE_MS = 2_000;

export const healthz: RequestHandler = (_req, res) => {
  res.json({ status: "ok" });
};

export function readyz(db: Database, sources: HealthSources = {}): RequestHandler {
  const counts = reusedFor(sources.countsMaxAgeMs ?? COUNTS_MAX_AGE_MS, () => countByState(db.direct));
  return async (req, res) => {
    const components: Record<string, unknown> = {};
    let databaseOk = true;
    try {
      await db.prisma.$queryRawUnsafe("SELECT 1");
      components.database = { status: "ok", kind: db.kind };
    } catch (error) {
      req.log?.warn({ err: error }, "readiness check failed");
      databaseOk = false;
      components.database = { status: "unavailable", kind: db.kind };
    }
    const gitlab = sources.gitlab?.view();
    if (gitlab) components.gitlab = gitlab;
    const reconciler: Record<string, unknown> = { status: sources.reconciler?.state() ?? "stopped" };
    if (databaseOk) {
      try {
        reconciler.queue = await counts();
      } catch (error) {
        req.log?.warn({ err: error }, "readiness check could not count the reconcile queue");
        reconciler.queue = null;
      }
    }
    components.reconciler = reconciler;
    const status = !databaseOk ? "unavailable" : gitlab && gitlab.status !== "ok" ? "degraded" : "ready";
    res.status(databaseOk ? 200 : 503).json({ status, components });
  };
}

/** The value of `load`, reused for `maxAgeMs`; concurrent callers share one load. */
function reusedFor(maxAgeMs: number, load: () => Promise<Record<QueueState, number>>): () => Promise<Record<QueueState, number>> {
  let cached: { at: number; value: Promise<Record<QueueState, number>> } | undefined;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at >= maxAgeMs) {
      const value = load();
      cached = { at: now, value };
      value.catch(() => {
        if (cached?.value === value) cached = undefined; // a failed count is not reused
      });
    }
    return cached.value;
  };
}
