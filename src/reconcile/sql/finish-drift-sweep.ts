/**
 * finish a drift sweep of one connection, one statement: every GitLab group the connection's rules
 * target is marked for a full pass (it lists the group's members and repairs managed drift, reporting
 * unmanaged members), and one "reconcile.drift_swept" event records what the sweep found. A dry run
 * marks nothing and says so in the event. Returns how many targets were (or would be) marked.
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import { markTargetsSql } from "../../provisioning/sql/group-targets";

export interface SweepSummary {
  usersChecked: number;
  userDrift: number;
  dryRun: boolean;
}

export function finishDriftSweepSql(p: SqlParams, sweep: { sweepId: string; actor: string; connectionId: string; now: Date }, summary: SweepSummary): string {
  const targets = `(SELECT "id" FROM "GitLabGroupTarget" WHERE "connectionId" = ${p.uuid(sweep.connectionId)})`;
  const marks = summary.dryRun ? "" : `marked AS (${markTargetsSql(p, targets, { connectionId: sweep.connectionId, requestId: sweep.sweepId, full: true }, sweep.now)} RETURNING 1),`;
  const count = `(SELECT count(*) FROM ${targets} t)::int`;
  return `WITH ${marks}
    a AS (${auditInsertSql(p, `(SELECT ${p.add(sweep.connectionId)}::text AS "id")`, {
      at: sweep.now,
      connectionId: sweep.connectionId,
      actor: sweep.actor,
      action: "reconcile.drift_swept",
      subjectType: "connection",
      requestId: sweep.sweepId,
      detailsSql: `jsonb_build_object('sweepId', ${p.add(sweep.sweepId)}::text, 'usersChecked', ${p.add(summary.usersChecked)}::int, 'userDrift', ${p.add(summary.userDrift)}::int, 'targetsMarked', ${count}, 'dryRun', ${p.add(summary.dryRun)}::boolean)`,
    })})
    SELECT ${count} AS "targets"`;
}
