/**
 * What every kind of reconcile pass (worker.ts's PASSES: a SCIM user's, a SCIM group's, a GitLab
 * group's) is given by the worker, and how it ended.
 */
import type { SqlRunner } from "../db/sql-runner";
import type { GitLabClient } from "../gitlab/client";
import type { GitLabCallLog } from "./gitlab-call-log";
import type { ParentGroupLookup } from "./parent-groups";
import type { RetryPolicy } from "./queue";

export interface PassDeps {
  runner: SqlRunner;
  gitlab: GitLabClient;
  callLog: GitLabCallLog;
  /** DRY_RUN: every connection as if its dryRun were on. */
  dryRun: boolean;
  policy: RetryPolicy;
  now: () => Date;
  /** The process's lookups of unmapped subgroups' parents (the SCIM group pass). */
  parentGroups: ParentGroupLookup;
}

/** How the pass ended, for the worker's log and tests. */
export type PassOutcome = "synced" | "retry" | "failed" | "conflict" | "dry_run" | "gone" | "released" | "held";
