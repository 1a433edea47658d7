/**
 * Memberships the bridge no longer manages: GitLab confirmed their removal (204, or 404: already gone),
 * or a full pass found them gone and no longer desired, or a level change found the member gone (404:
 * re-added at once). One statement: the rows deleted (and any conflict of those users here), the outcome
 * events, the pending call events.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { targetEventsSql, type OutcomeEvent, type TargetWriteContext } from "./membership-pieces";

export async function recordMembershipsRemoved(runner: SqlRunner, ctx: TargetWriteContext, gitlabUserIds: readonly number[], events: readonly OutcomeEvent[]): Promise<void> {
  const p = new SqlParams();
  const target = p.uuid(ctx.targetId);
  const ids = `${p.add(gitlabUserIds)}::int[]`;
  const statement = `WITH w AS (
      DELETE FROM "GitLabMembership" WHERE "targetId" = ${target} AND "gitlabUserId" = ANY(${ids}) RETURNING "gitlabUserId"),
    k AS (DELETE FROM "GitLabMembershipConflict" WHERE "targetId" = ${target} AND "gitlabUserId" = ANY(${ids})),
    ${targetEventsSql(p, ctx, null, events)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
