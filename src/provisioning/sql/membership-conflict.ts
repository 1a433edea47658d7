/**
 * Memberships the bridge would make or change but may not (issue 11 item 3): a hand-made one at another
 * level, a higher level inherited from a parent group, the last owner, a GitLab user that is gone, or
 * another refusal with GitLab's message kept. One statement: the GitLabMembershipConflict rows (one per
 * user and group, replaced by the latest finding), a "gitlab.membership.conflict" event each, the
 * pending call events. Nothing in GitLab changed; the managed row, if any, is left as it is. The settle
 * of a completed pass drops the conflicts the pass no longer found (sql/settle-target.ts).
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { StandingConflict } from "../gitlab-membership-plan";
import { targetEventsSql, type TargetWriteContext } from "./membership-pieces";

export async function recordMembershipConflicts(runner: SqlRunner, ctx: TargetWriteContext, conflicts: readonly StandingConflict[]): Promise<void> {
  const p = new SqlParams();
  const target = p.uuid(ctx.targetId);
  const at = p.timestamp(ctx.now);
  const events = conflicts.map((c) => ({ action: "gitlab.membership.conflict", details: { ...c } }));
  const statement = `WITH v AS (
      SELECT * FROM jsonb_to_recordset(${p.json(conflicts)}) AS x("gitlabUserId" int, "scimUserId" uuid, "kind" text, "desiredLevel" int, "observedLevel" int, "message" text)),
    w AS (
      INSERT INTO "GitLabMembershipConflict" ("targetId", "gitlabUserId", "scimUserId", "kind", "desiredLevel", "observedLevel", "message", "at")
      SELECT ${target}, v."gitlabUserId", v."scimUserId", v."kind", v."desiredLevel", v."observedLevel", v."message", ${at} FROM v
      WHERE EXISTS (SELECT 1 FROM "GitLabGroupTarget" WHERE "id" = ${target})
      ON CONFLICT ("targetId", "gitlabUserId") DO UPDATE SET "scimUserId" = EXCLUDED."scimUserId", "kind" = EXCLUDED."kind", "desiredLevel" = EXCLUDED."desiredLevel",
        "observedLevel" = EXCLUDED."observedLevel", "message" = EXCLUDED."message", "at" = EXCLUDED."at"
      RETURNING "gitlabUserId"),
    ${targetEventsSql(p, ctx, "w", events)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
