/**
 * A target's GitLab group is gone: GitLab answered 404 "Group Not Found" for the id the bridge kept
 * (deleted, after GitLab's deletion delay, or hidden from the token). One statement: the id is
 * forgotten (the next pass resolves the path again), so are the memberships the bridge managed there
 * and their conflicts (they went with the group), with one "gitlab.group.gone" event naming them and
 * the pending call events. A subgroup the bridge made (createdByBridge) is made again by the SCIM
 * groups that feed it: their passes are marked.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { targetEventsSql, type TargetWriteContext } from "./membership-pieces";
import { markSubjectsSql } from "./mark-subjects";

export async function recordTargetGone(runner: SqlRunner, ctx: TargetWriteContext, gone: { gitlabGroupId: number; fullPath: string; managedUserIds: readonly number[]; remake: boolean }): Promise<void> {
  const p = new SqlParams();
  const target = p.uuid(ctx.targetId);
  const remake = gone.remake
    ? `r AS (${markSubjectsSql(p, `(SELECT f."scimGroupId" AS "id" FROM "ScimGroupFeed" f WHERE f."targetId" = ${target} AND EXISTS (SELECT 1 FROM w))`, { connectionId: ctx.connectionId, subjectType: "group", requestId: ctx.requestId ?? undefined }, ctx.now)}),`
    : "";
  const details = { gitlabGroupId: gone.gitlabGroupId, fullPath: gone.fullPath, forgottenMemberships: gone.managedUserIds, next: gone.remake ? "the SCIM group's pass makes the subgroup again" : "the path is resolved again" };
  const statement = `WITH w AS (
      UPDATE "GitLabGroupTarget" SET "gitlabGroupId" = NULL, "updatedAt" = ${p.timestamp(ctx.now)}
      WHERE "id" = ${target} AND "gitlabGroupId" = ${p.add(gone.gitlabGroupId)}::int RETURNING "id"),
    m AS (DELETE FROM "GitLabMembership" WHERE "targetId" IN (SELECT "id" FROM w)),
    k AS (DELETE FROM "GitLabMembershipConflict" WHERE "targetId" IN (SELECT "id" FROM w)),
    ${remake}
    ${targetEventsSql(p, ctx, "w", [{ action: "gitlab.group.gone", details }])}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
