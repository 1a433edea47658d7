/**
 * Deletes a user, one statement: the row becomes a tombstone (deletedAt set, userNameKey NULL so the
 * name can be reused; kept for deprovisioning, invisible over SCIM), its memberships go, the groups it
 * left get a new version (their members changed), one audit event names them, the user and each
 * of those groups are marked for reconciliation, and the connection's count of live users drops.
 * With `expectedVersion` only while the user still has that version. False when there is no such
 * user; versionMismatch when the version moved.
 */
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import type { WriteContext } from "../write-context";
import { settleOutcome, type OutcomeRow } from "../write-outcome";
import { expectedVersionParam, liveRowSql, outcomeSql, versionHoldsSql } from "./live-row";
import { markSubjectsSql } from "./mark-subjects";
import { countRowsSql } from "./tenant-count";
import { bumpVersionSql, touchRowsSql } from "./versions";

export async function deleteUser(db: Database, ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean> {
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const expected = expectedVersionParam(p, options.expectedVersion);
  const statement = `WITH cur AS (${liveRowSql(p, "ScimUser", ctx.connectionId, id, { lock: options.expectedVersion !== undefined })}),
    u AS (
      UPDATE "ScimUser" SET "deletedAt" = ${at}, "userNameKey" = NULL, ${bumpVersionSql(at)}
      WHERE "id" = (SELECT "id" FROM cur) AND ${versionHoldsSql(expected)}
      RETURNING *),
    removed AS (DELETE FROM "ScimGroupMember" WHERE "userId" IN (SELECT "id" FROM u) RETURNING "groupId"),
    touched AS (${touchRowsSql("ScimGroup", `SELECT "groupId" FROM removed`, at)}),
    a AS (${auditInsertSql(p, "u", {
      at: ctx.now,
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.user.deleted",
      subjectType: "user",
      requestId: ctx.requestId,
      detailsSql: `jsonb_build_object('userName', s."userName", 'removedFromGroups', (SELECT COALESCE(jsonb_agg("id" ORDER BY "id"), '[]'::jsonb) FROM touched))`,
    })}),
    mu AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user", requestId: ctx.requestId, offboardingSql: "true" }, ctx.now)}),
    mg AS (${markSubjectsSql(p, "touched", { connectionId: ctx.connectionId, subjectType: "group", requestId: ctx.requestId }, ctx.now)}),
    c AS (${countRowsSql("u", "users", -1)})
    SELECT ${outcomeSql("u", expected)}, cur."version" FROM cur`;
  const [row] = await db.direct.query<OutcomeRow>(statement, p.values);
  return settleOutcome(row, "user") !== null;
}
