/**
 * The applied state of an unmapped group's subgroup, one statement each, with the pass's call events
 * and the outcome event:
 *  - created: GitLab made the subgroup, or a repeat found the one an earlier attempt made (its
 *    description names this SCIM group): the target gets its GitLab id;
 *  - moved: the path is someone else's group (a collision): the target takes the next candidate path,
 *    unless another target of the connection holds it (no row: the caller tries the next one).
 */
import type { SqlParams } from "../../db/sql-params";
import { groupPassEventsSql, type GroupPassContext } from "./group-pass-pieces";
import type { OutcomeEvent } from "./user-link-pieces";

export function recordSubgroupCreatedSql(p: SqlParams, ctx: GroupPassContext, targetId: string, gitlabGroupId: number, event: OutcomeEvent): string {
  return `WITH t AS (UPDATE "GitLabGroupTarget" SET "gitlabGroupId" = ${p.add(gitlabGroupId)}::int, "updatedAt" = ${p.timestamp(ctx.now)}
        WHERE "id" = ${p.uuid(targetId)} RETURNING "id"),
    ${groupPassEventsSql(p, ctx, "t", event)}
    done AS (SELECT 1)
    SELECT "id"::text AS "id" FROM t`;
}

export function recordSubgroupMovedSql(p: SqlParams, ctx: GroupPassContext, targetId: string, fullPath: string, event: OutcomeEvent): string {
  const key = p.add(fullPath.toLowerCase());
  return `WITH t AS (UPDATE "GitLabGroupTarget" SET "fullPath" = ${p.add(fullPath)}, "fullPathKey" = ${key}, "updatedAt" = ${p.timestamp(ctx.now)}
        WHERE "id" = ${p.uuid(targetId)} AND "gitlabGroupId" IS NULL
          AND NOT EXISTS (SELECT 1 FROM "GitLabGroupTarget" o WHERE o."connectionId" = ${p.uuid(ctx.connectionId)} AND o."fullPathKey" = ${key})
        RETURNING "id"),
    ${groupPassEventsSql(p, ctx, "t", event)}
    done AS (SELECT 1)
    SELECT "id"::text AS "id" FROM t`;
}
