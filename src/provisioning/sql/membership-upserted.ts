/**
 * GitLab confirmed memberships the bridge now manages: added by it (origin created), found already there
 * at the desired level (adopted), or changed to a new level or expiry (the row keeps its origin). One
 * statement: the GitLabMembership rows, the end of any conflict those users had in this group, the
 * outcome events and the pending call events. Written as soon as GitLab answers (a batch of adds is one
 * answer), so a crash after the call repeats at most that call.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { targetEventsSql, type OutcomeEvent, type TargetWriteContext } from "./membership-pieces";

export interface ManagedMembership {
  gitlabUserId: number;
  scimUserId: string | null;
  accessLevel: number;
  /** YYYY-MM-DD or null. */
  expiresAt: string | null;
  /** The rule's days expiresAt stands for (null: none, or GitLab's own expiry). */
  expiresInDays: number | null;
  origin: "created" | "adopted";
}

export async function recordMembershipsUpserted(runner: SqlRunner, ctx: TargetWriteContext, rows: readonly ManagedMembership[], events: readonly OutcomeEvent[]): Promise<void> {
  const p = new SqlParams();
  const target = p.uuid(ctx.targetId);
  const at = p.timestamp(ctx.now);
  const statement = `WITH v AS (
      SELECT * FROM jsonb_to_recordset(${p.json(rows)}) AS x("gitlabUserId" int, "scimUserId" uuid, "accessLevel" int, "expiresAt" date, "expiresInDays" int, "origin" text)),
    w AS (
      INSERT INTO "GitLabMembership" ("targetId", "gitlabUserId", "scimUserId", "accessLevel", "expiresAt", "expiresInDays", "origin", "createdAt", "updatedAt")
      SELECT ${target}, v."gitlabUserId", v."scimUserId", v."accessLevel", v."expiresAt", v."expiresInDays", v."origin"::"GitLabMembershipOrigin", ${at}, ${at} FROM v
      WHERE EXISTS (SELECT 1 FROM "GitLabGroupTarget" WHERE "id" = ${target})
      ON CONFLICT ("targetId", "gitlabUserId") DO UPDATE SET "accessLevel" = EXCLUDED."accessLevel", "expiresAt" = EXCLUDED."expiresAt", "expiresInDays" = EXCLUDED."expiresInDays",
        "scimUserId" = COALESCE(EXCLUDED."scimUserId", "GitLabMembership"."scimUserId"), "updatedAt" = EXCLUDED."updatedAt"
      RETURNING "gitlabUserId"),
    k AS (DELETE FROM "GitLabMembershipConflict" WHERE "targetId" = ${target} AND "gitlabUserId" IN (SELECT "gitlabUserId" FROM w)),
    ${targetEventsSql(p, ctx, "w", events)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
