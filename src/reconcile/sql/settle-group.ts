/**
 * The end of a SCIM group's pass, one statement: the queue transition that ends the claim, then, while
 * the claim was still the worker's, ScimGroupFeed := the targets the group matches now (none once it
 * is deleted), the marks of every target it feeds now or fed before (their passes add the members who
 * came and remove those who left, or all of them when the group is gone), an audit event when the set
 * of targets changed ("gitlab.group.feeds_changed"), and the pass's call and outcome events.
 *
 * The targets matched now are read here, not at the pass's start: a rule added meanwhile is seen. A
 * subgroup the bridge has not made yet (createdByBridge, no GitLab id) is not fed: its pass would look
 * its path up and could find someone else's group there.
 */
import type { SqlParams } from "../../db/sql-params";
import { auditInsertSql } from "../../audit/audit";
import { groupPassEventsSql, type GroupPassContext } from "../../provisioning/sql/group-pass-pieces";
import { mappingMatchesGroupSql, markTargetsSql } from "../../provisioning/sql/group-targets";
import { RECONCILER_ACTOR, type OutcomeEvent } from "../../provisioning/sql/user-link-pieces";

export interface GroupSettlement {
  /** The queue transition (completeSql, failSql, parkSql or holdSql), an UPDATE … RETURNING the item. */
  transitionSql: string;
  event?: OutcomeEvent;
}

export function settleGroupSql(p: SqlParams, ctx: GroupPassContext, s: GroupSettlement): string {
  const group = p.uuid(ctx.scimGroupId);
  return `WITH q AS (${s.transitionSql}),
    cur AS (SELECT DISTINCT t."id" FROM "ScimGroup" g
        JOIN "GroupMapping" m ON ${mappingMatchesGroupSql("m", "g")}
        JOIN "GitLabGroupTarget" t ON t."id" = m."targetId" AND NOT (t."createdByBridge" AND t."gitlabGroupId" IS NULL)
        WHERE g."id" = ${group} AND g."deletedAt" IS NULL AND EXISTS (SELECT 1 FROM q)),
    old AS (SELECT "targetId" AS "id" FROM "ScimGroupFeed" WHERE "scimGroupId" = ${group} AND EXISTS (SELECT 1 FROM q)),
    gone AS (DELETE FROM "ScimGroupFeed" f WHERE f."scimGroupId" = ${group} AND f."targetId" IN (SELECT "id" FROM old EXCEPT SELECT "id" FROM cur) RETURNING f."targetId"),
    came AS (INSERT INTO "ScimGroupFeed" ("scimGroupId", "targetId") SELECT ${group}, "id" FROM cur WHERE "id" NOT IN (SELECT "id" FROM old) ON CONFLICT DO NOTHING RETURNING "targetId"),
    marked AS (${markTargetsSql(p, `(SELECT "id" FROM cur UNION SELECT "id" FROM old)`, { connectionId: ctx.connectionId, requestId: ctx.requestId }, ctx.now)}),
    feeds_event AS (${auditInsertSql(p, `(SELECT ${group}::text AS "id" WHERE EXISTS (SELECT 1 FROM gone) OR EXISTS (SELECT 1 FROM came))`, {
      at: ctx.now,
      connectionId: ctx.connectionId,
      actor: RECONCILER_ACTOR,
      action: "gitlab.group.feeds_changed",
      subjectType: "group",
      requestId: ctx.requestId ?? undefined,
      detailsSql: `jsonb_build_object('targets', (SELECT COALESCE(jsonb_agg(t."fullPath" ORDER BY t."fullPathKey"), '[]'::jsonb) FROM "GitLabGroupTarget" t WHERE t."id" IN (SELECT "id" FROM cur)),
        'added', (SELECT COALESCE(jsonb_agg(t."fullPath" ORDER BY t."fullPathKey"), '[]'::jsonb) FROM "GitLabGroupTarget" t WHERE t."id" IN (SELECT "targetId" FROM came)),
        'removed', (SELECT COALESCE(jsonb_agg(t."fullPath" ORDER BY t."fullPathKey"), '[]'::jsonb) FROM "GitLabGroupTarget" t WHERE t."id" IN (SELECT "targetId" FROM gone)))`,
    })}),
    ${groupPassEventsSql(p, ctx, "q", s.event)}
    done AS (SELECT 1)
    SELECT * FROM q`;
}
