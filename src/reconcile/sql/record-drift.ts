/**
 * record what a drift sweep found on one stretch of GitLab's users, one statement: a "gitlab.call"
 * event per GitLab exchange made since the last record (subject the sweep), and per drifted user a
 * "gitlab.drift.user" event and a full mark (its next pass reads the account and repairs it; an
 * offboarding repair at offboarding priority). A dry run passes no drifts: the calls are still recorded,
 * nothing is marked. Returns nothing; an empty record is not run.
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import { markSubjectsSql } from "../../provisioning/sql/mark-subjects";
import type { UserDrift } from "../../provisioning/user-drift";

export interface SweepWriteContext {
  sweepId: string;
  actor: string;
  /** The one connection swept, or null when the sweep covers several (its calls serve them all). */
  connectionId: string | null;
  now: Date;
  /** Details of the "gitlab.call" events not yet written. */
  calls: readonly object[];
}

export function recordDriftSql(p: SqlParams, ctx: SweepWriteContext, drifts: readonly UserDrift[]): string | null {
  if (ctx.calls.length === 0 && drifts.length === 0) return null;
  const ctes: string[] = [];
  if (ctx.calls.length > 0) {
    const calls = `(SELECT ${p.add(ctx.sweepId)}::text AS "id", c.value AS "details" FROM jsonb_array_elements(${p.json(ctx.calls)}) WITH ORDINALITY c ORDER BY c.ordinality)`;
    ctes.push(`calls AS (${auditInsertSql(p, calls, { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: "gitlab.call", subjectType: "drift_sweep", requestId: ctx.sweepId, detailsSql: `s."details"` })})`);
  }
  if (drifts.length > 0) {
    const rows = drifts.map((d) => ({
      scimUserId: d.scimUserId,
      connectionId: d.connectionId,
      offboarding: d.offboarding,
      details: { kind: d.kind, gitlabUserId: d.gitlabUserId, gitlabUsername: d.gitlabUsername, userName: d.userName, observedState: d.observedState, sweepId: ctx.sweepId },
    }));
    ctes.push(`d AS (SELECT * FROM jsonb_to_recordset(${p.json(rows)}) AS d("scimUserId" uuid, "connectionId" uuid, "offboarding" boolean, "details" jsonb))`);
    ctes.push(
      `drift_events AS (${auditInsertSql(p, `(SELECT d."scimUserId" AS "id", d."connectionId", d."details" FROM d)`, {
        at: ctx.now,
        actor: ctx.actor,
        action: "gitlab.drift.user",
        subjectType: "user",
        requestId: ctx.sweepId,
        connectionIdSql: `s."connectionId"`,
        detailsSql: `s."details"`,
      })})`,
    );
    // markSubjectsSql marks for one connection at a time: one CTE per connection among the drifts.
    [...new Set(drifts.map((d) => d.connectionId))].forEach((connectionId, n) => {
      const source = `(SELECT d."scimUserId" AS "id", d."offboarding" FROM d WHERE d."connectionId" = ${p.uuid(connectionId)})`;
      ctes.push(`marks_${n} AS (${markSubjectsSql(p, source, { connectionId, subjectType: "user", requestId: ctx.sweepId, offboardingSql: `s."offboarding"`, full: true }, ctx.now)})`);
    });
  }
  return `WITH ${ctes.join(",\n    ")}
    SELECT 1`;
}
