/**
 * Creates a group, one statement: the row is inserted only if every member id is a live user of the
 * connection (else nothing is written and the unknown ids are reported), with its memberships, the
 * members' new versions (their `groups` changed), the audit event, the group's reconcile mark and
 * the connection's count of live groups. It answers the group with its members, read by the same
 * statement.
 */
import crypto from "node:crypto";
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import type { GroupFields } from "../group-fields";
import { gitlabGroupsSelectSql } from "../gitlab-group-state";
import { toGroupRecord, type GroupRecord, type GroupRowWithMembers } from "../group-record";
import type { WriteContext } from "../write-context";
import { GROUP_AUDIT_DETAILS, MEMBERS_AFTER_OF_R } from "./group-pieces";
import { knownUsersSql, memberIdsAsStored, requireLiveUsers } from "./known-users";
import { markSubjectsSql } from "./mark-subjects";
import { countRowsSql } from "./tenant-count";
import { touchRowsSql } from "./versions";

export async function insertGroup(db: Database, ctx: WriteContext, fields: GroupFields, memberIds: readonly string[]): Promise<GroupRecord> {
  const members = memberIdsAsStored(memberIds);
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const known = knownUsersSql(p, ctx.connectionId, members);
  const statement = `WITH known AS (${known.sql}),
    g AS (
      INSERT INTO "ScimGroup" ("id", "connectionId", "displayName", "displayNameKey", "externalId", "resource", "version", "createdAt", "updatedAt")
      SELECT ${p.uuid(crypto.randomUUID())}, ${p.uuid(ctx.connectionId)}, ${p.add(fields.displayName)}, ${p.add(fields.displayNameKey)}, ${p.add(fields.externalId)}, ${p.json(fields.resource)}, 1, ${at}, ${at}
      WHERE (SELECT count(*) FROM known) = ${known.expected}
      RETURNING *),
    removed AS (SELECT NULL::uuid AS "userId" WHERE false),
    added AS (INSERT INTO "ScimGroupMember" ("groupId", "userId", "createdAt") SELECT g."id", known."id", ${at} FROM g, known RETURNING "userId", "createdAt"),
    touched AS (${touchRowsSql("ScimUser", `SELECT "userId" FROM added`, at)}),
    a AS (${auditInsertSql(p, "g", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: "scim.group.created", subjectType: "group", requestId: ctx.requestId, detailsSql: GROUP_AUDIT_DETAILS })}),
    m AS (${markSubjectsSql(p, "g", { connectionId: ctx.connectionId, subjectType: "group", requestId: ctx.requestId }, ctx.now)}),
    c AS (${countRowsSql("g", "groups", 1)})
    SELECT r.*, ${MEMBERS_AFTER_OF_R}, ${gitlabGroupsSelectSql("r", { markedNow: "TRUE" })} FROM g r`;
  const [created] = await db.direct.query<GroupRowWithMembers>(statement, p.values);
  if (!created) {
    await requireLiveUsers(db, ctx.connectionId, members); // the only reason the insert writes no row
    throw new Error("group insert wrote no row although every member is a live user");
  }
  return toGroupRecord(created);
}
