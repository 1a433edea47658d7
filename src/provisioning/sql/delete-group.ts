/**
 * Deletes a group, one statement: the row becomes a tombstone (invisible over SCIM), its memberships
 * go, the former members get a new version (their `groups` changed), one audit event names them,
 * the group is marked for reconciliation and the connection's count of live groups drops. With
 * `expectedVersion` only while the group still has that version. False when there is no such group;
 * versionMismatch when the version moved.
 */
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import type { WriteContext } from "../write-context";
import { settleOutcome, type OutcomeRow } from "../write-outcome";
import { GROUP_AUDIT_DETAILS } from "./group-pieces";
import { expectedVersionParam, liveRowSql, outcomeSql, versionHoldsSql } from "./live-row";
import { markSubjectsSql } from "./mark-subjects";
import { countRowsSql } from "./tenant-count";
import { bumpVersionSql, touchRowsSql } from "./versions";

export async function deleteGroup(db: Database, ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean> {
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const expected = expectedVersionParam(p, options.expectedVersion);
  const statement = `WITH cur AS (${liveRowSql(p, "ScimGroup", ctx.connectionId, id, { lock: options.expectedVersion !== undefined })}),
    g AS (
      UPDATE "ScimGroup" SET "deletedAt" = ${at}, ${bumpVersionSql(at)}
      WHERE "id" = (SELECT "id" FROM cur) AND ${versionHoldsSql(expected)}
      RETURNING *),
    removed AS (DELETE FROM "ScimGroupMember" WHERE "groupId" IN (SELECT "id" FROM g) RETURNING "userId"),
    added AS (SELECT NULL::uuid AS "userId" WHERE false),
    touched AS (${touchRowsSql("ScimUser", `SELECT "userId" FROM removed`, at)}),
    a AS (${auditInsertSql(p, "g", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: "scim.group.deleted", subjectType: "group", requestId: ctx.requestId, detailsSql: GROUP_AUDIT_DETAILS })}),
    m AS (${markSubjectsSql(p, "g", { connectionId: ctx.connectionId, subjectType: "group", requestId: ctx.requestId }, ctx.now)}),
    c AS (${countRowsSql("g", "groups", -1)})
    SELECT ${outcomeSql("g", expected)}, cur."version" FROM cur`;
  const [row] = await db.direct.query<OutcomeRow>(statement, p.values);
  return settleOutcome(row, "group") !== null;
}
