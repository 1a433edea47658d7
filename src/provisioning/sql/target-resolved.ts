/**
 * A target's GitLab group found by its full path (contract §3, GET /groups/:fullPath): its id is kept,
 * so later passes address it by id. One statement with the "gitlab.group.resolved" event and the
 * pending call events.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { targetEventsSql, type TargetWriteContext } from "./membership-pieces";

export async function recordTargetResolved(runner: SqlRunner, ctx: TargetWriteContext, gitlabGroupId: number, fullPath: string): Promise<void> {
  const p = new SqlParams();
  const statement = `WITH w AS (
      UPDATE "GitLabGroupTarget" SET "gitlabGroupId" = ${p.add(gitlabGroupId)}::int, "updatedAt" = ${p.timestamp(ctx.now)}
      WHERE "id" = ${p.uuid(ctx.targetId)} RETURNING "id"),
    ${targetEventsSql(p, ctx, "w", [{ action: "gitlab.group.resolved", details: { gitlabGroupId, fullPath } }])}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
